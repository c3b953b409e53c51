package kafkasource

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/kafkatest"
)

// testTimeout bounds each broker interaction of a test.
const testTimeout = 20 * time.Second

func kv(i int) (key, value []byte) {
	return fmt.Appendf(nil, "k%d", i), fmt.Appendf(nil, "v%d", i)
}

func testConfig(b *kafkatest.Broker, reset string, topics ...string) Config {
	cfg := DefaultConfig()
	cfg.Brokers = b.Addrs()
	cfg.Topics = topics
	cfg.AutoOffsetReset = reset
	return cfg
}

func newTestPlanner(t testing.TB, cfg Config) *Planner {
	t.Helper()
	p, err := NewPlanner(cfg)
	if err != nil {
		t.Fatalf("NewPlanner: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func newTestReader(t testing.TB, cfg Config) *Reader {
	t.Helper()
	r, err := NewReader(cfg)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func mustPlan(t testing.TB, p *Planner, in PlanInput) Plan {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	plan, err := p.Plan(ctx, in)
	if err != nil {
		t.Fatalf("Plan(%+v): %v", in, err)
	}
	return plan
}

func mustRead(t testing.TB, r *Reader, rng OffsetRange) []Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	recs, err := r.ReadRange(ctx, rng)
	if err != nil {
		t.Fatalf("ReadRange(%s): %v", rng, err)
	}
	return recs
}

// next returns the Current of the batch after plan.
func next(plan Plan) map[TopicPartition]int64 {
	cur := make(map[TopicPartition]int64, len(plan.Ranges))
	for _, r := range plan.Ranges {
		cur[r.TopicPartition()] = r.Until
	}
	return cur
}

// rangeOf returns the planned range of one partition.
func rangeOf(t testing.TB, plan Plan, topic string, partition int32) OffsetRange {
	t.Helper()
	for _, r := range plan.Ranges {
		if r.Topic == topic && r.Partition == partition {
			return r
		}
	}
	t.Fatalf("no range for %s-%d in %+v", topic, partition, plan.Ranges)
	return OffsetRange{}
}

// checkRecords asserts recs are exactly the records kv produced at offsets
// [from, until), in order.
func checkRecords(t testing.TB, recs []Record, topic string, partition int32, from, until int64) {
	t.Helper()
	if int64(len(recs)) != until-from {
		t.Fatalf("%s-%d: got %d records, want %d (offsets [%d, %d))", topic, partition, len(recs), until-from, from, until)
	}
	for i, rec := range recs {
		off := from + int64(i)
		k, v := kv(int(off))
		if rec.Topic != topic || rec.Partition != partition || rec.Offset != off || string(rec.Key) != string(k) || string(rec.Value) != string(v) {
			t.Fatalf("%s-%d record %d = %s-%d@%d %q=%q; want offset %d %q=%q",
				topic, partition, i, rec.Topic, rec.Partition, rec.Offset, rec.Key, rec.Value, off, k, v)
		}
		if rec.Timestamp.IsZero() {
			t.Fatalf("%s-%d record %d has no timestamp", topic, partition, i)
		}
	}
}
