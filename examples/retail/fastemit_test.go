package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/spindlehq/spindle/sdk"
	"go.uber.org/zap"
)

// marshalLine is the reference output line: json.Marshal of the outLine,
// with the amount written by fmt.
func marshalLine(t *txn) ([]byte, error) {
	return json.Marshal(outLine{ID: t.ID, Store: t.Store, Region: t.Region, SKU: t.SKU, Qty: t.Qty,
		Amount: fmt.Sprintf("%d.%02d", t.AmountCents/100, t.AmountCents%100), TS: t.Time})
}

func plainTxn() txn {
	return txn{ID: "t-1001", Store: "s-01", Region: "north", SKU: "A-42", Qty: 2, AmountCents: 2598,
		Time: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func TestAppendLine(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 123456700, time.UTC)
	for _, tc := range []struct {
		name string
		edit func(*txn)
		fast bool // whether appendLine writes it
	}{
		{"plain", func(*txn) {}, true},
		{"nanoseconds", func(t *txn) { t.Time = at }, true},
		{"zone offset", func(t *txn) { t.Time = at.In(time.FixedZone("CET", 3600)) }, true},
		{"negative zone offset", func(t *txn) { t.Time = at.In(time.FixedZone("", -(9*3600 + 30*60))) }, true},
		{"year 0", func(t *txn) { t.Time = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC) }, true},
		{"year 9999", func(t *txn) { t.Time = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC) }, true},
		{"negative amount", func(t *txn) { t.AmountCents = -5 }, true},
		{"largest amount", func(t *txn) { t.AmountCents = math.MaxInt64 }, true},
		{"smallest amount", func(t *txn) { t.AmountCents = math.MinInt64 }, true},
		{"spaces and punctuation", func(t *txn) { t.ID = " t/1001 ~!@#$%^*()[]{}'" }, true},
		{"empty strings", func(t *txn) { t.Store, t.Region, t.SKU = "", "", "" }, true},

		{"quote", func(t *txn) { t.ID = `t"1` }, false},
		{"backslash", func(t *txn) { t.Store = `s\1` }, false},
		{"less than", func(t *txn) { t.Region = "a<b" }, false},
		{"greater than", func(t *txn) { t.SKU = "a>b" }, false},
		{"ampersand", func(t *txn) { t.ID = "a&b" }, false},
		{"control character", func(t *txn) { t.ID = "a\nb" }, false},
		{"delete", func(t *txn) { t.ID = "a\x7fb" }, false},
		{"non-ASCII", func(t *txn) { t.Store = "s-é" }, false},
		{"line separator", func(t *txn) { t.Store = "s\u2028" }, false},
		{"invalid UTF-8", func(t *txn) { t.Store = "s\xff" }, false},
		{"year 10000", func(t *txn) { t.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, false},
		{"year -1", func(t *txn) { t.Time = time.Date(-1, 12, 31, 0, 0, 0, 0, time.UTC) }, false},
		{"zone offset of 24 hours", func(t *txn) { t.Time = at.In(time.FixedZone("", 24*3600)) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx := plainTxn()
			tc.edit(&tx)
			prefix := []byte("previous line")
			got, ok := appendLine(bytes.Clone(prefix), &tx)
			if ok != tc.fast {
				t.Fatalf("appendLine ok = %v, want %v (%q)", ok, tc.fast, got)
			}
			if !bytes.HasPrefix(got, prefix) {
				t.Fatalf("appendLine changed what was before the line: %q", got)
			}
			if !ok {
				if len(got) != len(prefix) {
					t.Errorf("appendLine failed but left %q", got[len(prefix):])
				}
				return
			}
			want, err := marshalLine(&tx)
			if err != nil {
				t.Fatalf("appendLine wrote a line json.Marshal cannot: %v", err)
			}
			if line := got[len(prefix):]; !bytes.Equal(line, want) {
				t.Errorf("appendLine = %s, want %s", line, want)
			}
			if id := lineID(got[len(prefix):], &tx); string(id) != tx.ID {
				t.Errorf("lineID = %q, want %q", id, tx.ID)
			}
		})
	}
}

// TestEmitSharesOneBufferSafely checks that Emit's lines, fast or not, are
// json.Marshal's, keyed by id, and that appending to one output cannot
// change another.
func TestEmitSharesOneBufferSafely(t *testing.T) {
	j := &retailJob{log: zap.NewNop()}
	txns := []txn{plainTxn(), plainTxn(), plainTxn(), plainTxn()}
	txns[1].ID, txns[2].Store = "t-<2>", "s-é"
	txns[3].ID, txns[3].Time = "t-4", txns[3].Time.Add(1500*time.Millisecond)
	outs, err := j.Emit(context.Background(), sdk.PartitionInfo{}, txns)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != len(txns) {
		t.Fatalf("%d outputs, want %d", len(outs), len(txns))
	}
	want := make([][]byte, len(txns))
	for i := range txns {
		if want[i], err = marshalLine(&txns[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i, o := range outs {
		if !bytes.Equal(o.Value, want[i]) || string(o.Key) != txns[i].ID {
			t.Errorf("output %d = %q: %s, want %q: %s", i, o.Key, o.Value, txns[i].ID, want[i])
		}
	}
	for i := range outs {
		_ = append(outs[i].Key, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"...)
		_ = append(outs[i].Value, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"...)
	}
	for i, o := range outs {
		if !bytes.Equal(o.Value, want[i]) || string(o.Key) != txns[i].ID {
			t.Errorf("after appending to the outputs, output %d = %q: %s, want %q: %s", i, o.Key, o.Value, txns[i].ID, want[i])
		}
	}
}

// FuzzEmitFastPathMatchesMarshal checks that every line appendLine writes
// is byte for byte json.Marshal's.
func FuzzEmitFastPathMatchesMarshal(f *testing.F) {
	type seed struct {
		id, store, region, sku string
		qty, amount, sec, nsec int64
		zone                   int32
	}
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC).Unix()
	for _, s := range []seed{
		{"t-1001", "s-01", "north", "A-42", 2, 2598, at, 0, 0},
		{"t-1", "s-02", "south", "B", 1, 5, at, 123456789, 0},
		{"t-2", "s-03", "east", "C", 3, 30, at, 100, 3600},
		{"t-3", "s-04", "west", "D", -1, -101, at, 999999999, -34200},
		{"t-\"4\"", `s\01`, "<north>", "a&b", 1, 1, at, 1, 0},
		{"t-é", "s-\u2028", "r\x7f", "k\xff", 1, 1, at, 1, 0},
		{"t\n", "s\t", "", " ", 1, 1, at, 1, 86400},
		{"t", "s", "r", "k", math.MaxInt64, math.MinInt64, 253402300799, 999999999, 0},
		{"t", "s", "r", "k", 1, 1, 253402300800, 0, 0},
		{"t", "s", "r", "k", 1, 1, -62135596800, 0, 0},
		{"t", "s", "r", "k", 1, 1, -62167219200, 0, 0},
		{"t", "s", "r", "k", 1, 1, -62167219201, 0, 0},
		{"t", "s", "r", "k", 1, 1, 951782400, 0, 0},
	} {
		f.Add(s.id, s.store, s.region, s.sku, s.qty, s.amount, s.sec, s.nsec, s.zone)
	}
	f.Fuzz(func(t *testing.T, id, store, region, sku string, qty, amount, sec, nsec int64, zone int32) {
		at := time.Unix(sec, nsec).UTC()
		if zone != 0 {
			at = at.In(time.FixedZone("", int(zone)))
		}
		tx := txn{ID: id, Store: store, Region: region, SKU: sku, Qty: qty, AmountCents: amount, Time: at}
		prefix := []byte("{}")
		got, ok := appendLine(bytes.Clone(prefix), &tx)
		if !bytes.Equal(got[:len(prefix)], prefix) {
			t.Fatalf("appendLine changed what was before the line: %q", got)
		}
		if !ok {
			if len(got) != len(prefix) {
				t.Fatalf("appendLine failed but left %q", got[len(prefix):])
			}
			return
		}
		want, err := marshalLine(&tx)
		if err != nil {
			t.Fatalf("appendLine wrote %s for %+v, which json.Marshal rejects: %v", got[len(prefix):], tx, err)
		}
		if line := got[len(prefix):]; !bytes.Equal(line, want) {
			t.Fatalf("appendLine = %s, json.Marshal = %s", line, want)
		}
		if id := lineID(got[len(prefix):], &tx); string(id) != tx.ID {
			t.Fatalf("lineID = %q, want %q", id, tx.ID)
		}
	})
}
