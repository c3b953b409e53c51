package devcluster

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
)

var idRE = regexp.MustCompile(`"id":"t-(\d+)"`)

func TestProducerWritesWhatItCounts(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"txns": 3})
	p, err := NewProducer(ProducerConfig{
		Brokers: b.Addrs(), Topic: "txns", Stores: []string{"s-01", "s-02"},
		Traffic: RetailDay{Rate: 300, Day: time.Minute}, InvalidEvery: 10, Seed: 1,
		LedgerFile: filepath.Join(t.TempDir(), "ledger.csv.gz"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		n := p.Produced().Total()
		return n >= 100, fmt.Sprintf("%d produced", n)
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, rate := p.Now(); rate != 0 {
		t.Fatalf("rate %v after Run returned, want 0", rate)
	}
	got := p.Produced()
	if got.Refused != 0 || got.Total() != got.LastID {
		t.Fatalf("produced %+v: every generated transaction should be acknowledged", got)
	}

	seen := map[int64]bool{}
	var valid, invalid, cents int64
	for part := int32(0); part < 3; part++ {
		for _, m := range b.ReadPartition(t, "txns", part) {
			match := idRE.FindSubmatch(m.Value)
			if match == nil {
				t.Fatalf("record %q names no id", m.Value)
			}
			id, _ := strconv.ParseInt(string(match[1]), 10, 64)
			if seen[id] {
				t.Fatalf("t-%d written twice", id)
			}
			seen[id] = true
			var txn struct {
				Store string
				Qty   int64
				Price json.Number
			}
			if id%10 == 0 {
				invalid++
				continue
			}
			if err := json.Unmarshal(m.Value, &txn); err != nil {
				t.Fatalf("valid transaction %q: %v", m.Value, err)
			}
			if string(m.Key) != txn.Store || (txn.Store != "s-01" && txn.Store != "s-02") || txn.Qty < 1 {
				t.Fatalf("transaction %q keyed %q", m.Value, m.Key)
			}
			price, err := parseAmount(txn.Price.String())
			if err != nil {
				t.Fatal(err)
			}
			valid++
			cents += txn.Qty * price
		}
	}
	if int64(len(seen)) != got.LastID {
		t.Fatalf("Kafka holds %d transactions, the producer generated %d", len(seen), got.LastID)
	}
	if valid != got.Valid || invalid != got.Invalid || cents != got.RevenueCents {
		t.Fatalf("Kafka holds %d valid (revenue %d) and %d invalid; producer counted %+v", valid, cents, invalid, got)
	}
	var perSecond int64
	for _, n := range p.PerSecond() {
		perSecond += n
	}
	if perSecond != got.Total() {
		t.Fatalf("per-second counts add up to %d, want %d", perSecond, got.Total())
	}

	// The ledger file, read back, is the ledger.
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	read, err := ReadLedger(p.cfg.LedgerFile)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(read.Totals(), got) {
		t.Fatalf("ledger file totals %+v, producer's %+v", read.Totals(), got)
	}
	for id := int64(1); id <= got.LastID; id++ {
		if read.Status(id) != p.Ledger().Status(id) {
			t.Fatalf("t-%d: %d in the file, %d in the ledger", id, read.Status(id), p.Ledger().Status(id))
		}
	}
}

// FuzzLedgerLine: a damaged ledger line is refused with an error, never a
// panic, and an accepted one enters exactly one transaction.
func FuzzLedgerLine(f *testing.F) {
	for _, s := range []string{"t-1,valid,s-01,1234", "t-3,invalid,,0", "t-2,refused,s-02,99", "t-0,valid,s,1", "t-1,odd,s,1", "t-4294967297,valid,s,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		l := NewLedger()
		if err := l.readLine(line); err != nil {
			return
		}
		tot := l.Totals()
		if tot.Valid+tot.Invalid+tot.Refused != 1 {
			t.Fatalf("line %q entered %+v", line, tot)
		}
	})
}

func TestProducerInvalidTransactions(t *testing.T) {
	p := &Producer{cfg: ProducerConfig{Topic: "t", Stores: []string{"s-01"}, InvalidEvery: 2}, rng: newTestRand(), ledger: NewLedger()}
	tests := []struct {
		id   int64
		want string // what makes the retail job reject it
	}{
		{1, ""},
		{2, `"qty":0`},
		{4, "truncated"},
		{6, `"store":"s-unknown"`},
	}
	for _, tt := range tests {
		raw, _ := p.transaction(tt.id).Value.Encode()
		v := string(raw)
		if !idRE.MatchString(v) {
			t.Errorf("transaction %d %q does not name its id", tt.id, v)
		}
		switch tt.want {
		case "":
			if !json.Valid(raw) || strings.Contains(v, "s-unknown") || strings.Contains(v, `"qty":0`) {
				t.Errorf("transaction %d %q should be valid", tt.id, v)
			}
		case "truncated":
			if json.Valid(raw) {
				t.Errorf("transaction %d %q should be truncated JSON", tt.id, v)
			}
		default:
			if !json.Valid(raw) || !strings.Contains(v, tt.want) {
				t.Errorf("transaction %d %q should be JSON with %s", tt.id, v, tt.want)
			}
		}
	}
}

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
