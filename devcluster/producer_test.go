package devcluster

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
)

var idRE = regexp.MustCompile(`"id":"t-(\d+)"`)

// produce runs a producer of cfg at 300/s until it has produced 100
// transactions, stops it, and returns what it counted, checking that
// every generated transaction was acknowledged.
func produce(t *testing.T, cfg ProducerConfig) Produced {
	t.Helper()
	cfg.Traffic, cfg.InvalidEvery, cfg.Seed = RetailDay{Rate: 300, Day: time.Minute}, 10, 1
	p, err := NewProducer(cfg)
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
	if got.Failed != 0 || got.Total() != got.LastID {
		t.Fatalf("produced %+v: every generated transaction should be acknowledged", got)
	}
	return got
}

func TestProducerWritesWhatItCounts(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"txns": 3})
	got := produce(t, ProducerConfig{Brokers: b.Addrs(), Topic: "txns", Stores: []string{"s-01", "s-02"}})

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
}

func TestProducerInvalidTransactions(t *testing.T) {
	p := &Producer{cfg: ProducerConfig{Topic: "t", Stores: []string{"s-01"}, InvalidEvery: 2}, rng: newTestRand()}
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
		v := p.transaction(tt.id).value
		raw := []byte(v)
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
