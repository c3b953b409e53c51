package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/internal/kafkatest"
)

// encodeEntry writes e as hdfscheckpoint's format v1 does.
func encodeEntry(t testing.TB, e CheckpointEntry) []byte {
	body, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	head := append(append([]byte("v1\n"), body...), '\n')
	return fmt.Appendf(head, "crc32c %08x\n", crc32.Checksum(head, castagnoli))
}

// The entries hdfscheckpoint writes read back whole, oldest batch first,
// and CommittedUntil ends where the newest committed batch does.
func TestCheckpointEntriesWrittenByTheDriversLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := dfs.NewFileStore("/")
	if err != nil {
		t.Fatal(err)
	}
	log, err := hdfscheckpoint.NewLog(store, dir, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	b1, b2, b3 := time.UnixMilli(1_700_000_001_000), time.UnixMilli(1_700_000_002_000), time.UnixMilli(1_700_000_003_000)
	for _, o := range []hdfscheckpoint.BatchOffsets{
		{BatchTime: b2, Ranges: []hdfscheckpoint.OffsetRange{{Topic: "tx", Partition: 0, From: 5, Until: 9}, {Topic: "tx", Partition: 1, From: 7, Until: 7}}},
		{BatchTime: b1, Ranges: []hdfscheckpoint.OffsetRange{{Topic: "tx", Partition: 0, From: 0, Until: 5}, {Topic: "tx", Partition: 1, From: 0, Until: 7}}},
		{BatchTime: b3, Ranges: []hdfscheckpoint.OffsetRange{{Topic: "tx", Partition: 0, From: 9, Until: 20}, {Topic: "tx", Partition: 1, From: 7, Until: 8}}},
	} {
		if err := log.WriteOffsets(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range []time.Time{b1, b2} {
		if err := log.WriteCommit(ctx, hdfscheckpoint.BatchCommit{BatchTime: b, Outputs: map[string]int64{"records": b.UnixMilli() % 10_000, "processingMs": 12}}); err != nil {
			t.Fatal(err)
		}
	}
	// A store's temporary file is not an entry.
	if err := os.WriteFile(filepath.Join(dir, "offsets", ".1700000004000.123.tmp"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}

	offs := BatchOffsets(t, dir)
	if len(offs) != 3 || offs[0].BatchTimeMs != b1.UnixMilli() || offs[2].BatchTimeMs != b3.UnixMilli() {
		t.Fatalf("BatchOffsets = %+v, want batches %d, %d, %d", offs, b1.UnixMilli(), b2.UnixMilli(), b3.UnixMilli())
	}
	want := []CheckpointRange{{"tx", 0, 5, 9}, {"tx", 1, 7, 7}}
	if !reflect.DeepEqual(offs[1].Ranges, want) || offs[1].Kind != "offsets" || offs[1].Records() != 4 || offs[1].ModTime.IsZero() {
		t.Fatalf("batch 2 = %+v, want ranges %v (4 records), kind offsets and a modification time", offs[1], want)
	}
	commits := BatchCommits(t, dir)
	if len(commits) != 2 || commits[1].Kind != "commit" || commits[1].Outputs["records"] != 2000 || commits[1].Outputs["processingMs"] != 12 {
		t.Fatalf("BatchCommits = %+v", commits)
	}
	if got, want := CommittedUntil(t, dir), map[string]int64{"tx-0": 9, "tx-1": 7}; !reflect.DeepEqual(got, want) {
		t.Fatalf("CommittedUntil = %v, want %v (batch 2, not the uncommitted batch 3)", got, want)
	}
	if got := CommittedUntil(t, t.TempDir()); got != nil {
		t.Fatalf("CommittedUntil of an empty checkpoint = %v, want nil", got)
	}
}

func TestParseCheckpointEntryErrors(t *testing.T) {
	good := encodeEntry(t, CheckpointEntry{Kind: "commit", BatchTimeMs: 1, Outputs: map[string]int64{"records": 3}})
	flipped := bytes.Clone(good)
	flipped[10] ^= 1
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "want 3 newline-terminated lines"},
		{"truncated", good[:len(good)-1], "want 3 newline-terminated lines"},
		{"newer version", append([]byte("v2"), good[2:]...), `version line "v2"`},
		{"flipped bit", flipped, "checksum"},
		{"bad checksum line", append(bytes.Clone(good[:bytes.LastIndexByte(good[:len(good)-1], '\n')+1]), "crc32c xyz\n"...), "checksum line"},
		{"unknown kind", encodeEntry(t, CheckpointEntry{Kind: "state"}), `kind "state"`},
		{"body not JSON", []byte("v1\nnope\ncrc32c " + fmt.Sprintf("%08x", crc32.Checksum([]byte("v1\nnope\n"), castagnoli)) + "\n"), "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCheckpointEntry(tc.data)
			if !errors.Is(err, ErrBadCheckpointEntry) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseCheckpointEntry = %v, want ErrBadCheckpointEntry mentioning %q", err, tc.want)
			}
		})
	}
	if _, err := ParseCheckpointEntry(good); err != nil {
		t.Fatalf("a good entry: %v", err)
	}
}

func FuzzParseCheckpointEntry(f *testing.F) {
	f.Add(encodeEntry(f, CheckpointEntry{Kind: "offsets", BatchTimeMs: 1_700_000_000_000, Ranges: []CheckpointRange{{"tx", 0, 1, 5}}}))
	f.Add(encodeEntry(f, CheckpointEntry{Kind: "commit", BatchTimeMs: 1_700_000_000_000, Outputs: map[string]int64{"records": 5}}))
	f.Add([]byte("v1\n{}\ncrc32c 00000000\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseCheckpointEntry(data)
		if err != nil {
			if !errors.Is(err, ErrBadCheckpointEntry) {
				t.Fatalf("error %v does not wrap ErrBadCheckpointEntry", err)
			}
			return
		}
		if e.Kind != "offsets" && e.Kind != "commit" {
			t.Fatalf("accepted kind %q", e.Kind)
		}
		again, err := ParseCheckpointEntry(encodeEntry(t, e))
		if err != nil || !reflect.DeepEqual(again, e) {
			t.Fatalf("round trip: %+v, %v; want %+v", again, err, e)
		}
	})
}

// The retail sink reader counts what the job's output lines hold, finds
// duplicates and tells missing and unexpected transactions apart.
func TestReadRetailSink(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var want RetailTotals
	line := func(n int) string {
		tx := RetailTransaction(n, at)
		return fmt.Sprintf("t-%d\t{\"id\":\"t-%d\",\"store\":%q,\"region\":\"north\",\"sku\":\"A\",\"qty\":%d,\"amount\":\"%d.%02d\",\"ts\":%q}\n",
			n, n, tx.Store, tx.Qty, tx.AmountCents()/100, tx.AmountCents()%100, at.Format(time.RFC3339Nano))
	}
	var part0, part1, dead strings.Builder
	for n := range 1000 {
		tx := RetailTransaction(n, at)
		want.Add(tx)
		switch {
		case tx.Reject != "":
			fmt.Fprintf(&dead, "{\"reason\":%q,\"stage\":\"parse\"}\n", tx.Reject)
		case n%2 == 0:
			part0.WriteString(line(n))
		default:
			part1.WriteString(line(n))
		}
	}
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "batch=1", "part-tx-0"), part0.String())
	write(filepath.Join(dir, "batch=2", "part-tx-1"), part1.String())
	write(filepath.Join(dir, "_deadletter", "batch=1", "part-tx-0"), dead.String())

	got := ReadRetailSink(t, dir)
	if d := want.Diff(got.Totals); d != "" || len(got.Duplicates) != 0 || got.IDsDiff(1000) != "" {
		t.Fatalf("sink: diff %q, duplicates %v, ids %q", d, got.Duplicates, got.IDsDiff(1000))
	}
	if want.Valid != 998 || want.Rejected[RetailReasonQty] != 1 || want.Rejected[RetailReasonStore] != 1 {
		t.Fatalf("1,000 transactions gave %+v, want 998 valid and one rejection of each kind", want)
	}
	if len(got.Latencies) != 998 || got.Latencies[0] <= 0 {
		t.Fatalf("%d latencies, first %v; want 998 positive ones", len(got.Latencies), got.Latencies)
	}
	if d := got.IDsDiff(1001); !strings.Contains(d, "missing transactions [1000]") {
		t.Fatalf("IDsDiff(1001) = %q, want transaction 1000 missing", d)
	}

	// A batch written twice counts twice, and shows up as duplicates.
	write(filepath.Join(dir, "batch=3", "part-tx-0"), line(2)+line(999))
	got = ReadRetailSink(t, dir)
	if got.Totals.Valid != 1000 || !reflect.DeepEqual(got.Duplicates, []int{2}) || !strings.Contains(got.IDsDiff(1000), "unexpected ones [999]") {
		t.Fatalf("after a replayed line: %d valid, duplicates %v, ids %q", got.Totals.Valid, got.Duplicates, got.IDsDiff(1000))
	}
	if d := want.Diff(got.Totals); !strings.Contains(d, "1000 transactions in the sink, want 998") {
		t.Fatalf("Diff = %q", d)
	}
}

// The paced producer produces at its rate, round robin, and stops.
func TestPacedProducer(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"paced": 2})
	p := StartPacedProducer(t, PacedProducerConfig{Broker: b, Topic: "paced", Partitions: 2, Rate: 2000,
		Value: func(n int, _ time.Time) []byte { return fmt.Appendf(nil, "%d", n) }})
	start := time.Now()
	WaitFor(t, 10*time.Second, func() (bool, string) { return p.Produced() >= 400, fmt.Sprintf("%d produced", p.Produced()) })
	if took := time.Since(start); took < 150*time.Millisecond {
		t.Fatalf("400 records at 2,000/s took %v, want about 200ms", took)
	}
	n, err := p.Stop()
	if err != nil {
		t.Fatal(err)
	}
	_, l0 := b.Offsets(t, "paced", 0)
	_, l1 := b.Offsets(t, "paced", 1)
	if int(l0+l1) != n || l0-l1 > 1 || l1-l0 > 1 {
		t.Fatalf("partitions hold %d and %d records, want %d split evenly", l0, l1, n)
	}
	if again, _ := p.Stop(); again != n {
		t.Fatalf("Stop again = %d, want %d", again, n)
	}
}
