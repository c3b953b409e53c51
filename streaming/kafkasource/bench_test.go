package kafkasource

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/internal/kafkatest"
)

func BenchmarkPlan(b *testing.B) {
	const partitions = 1000
	br := kafkatest.Start(b, map[string]int32{"wide": partitions}, kafkatest.WithBrokers(3))
	msgs := make([]*sarama.ProducerMessage, 0, partitions)
	for p := range int32(partitions) {
		for range p % 3 {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: "wide", Partition: p, Value: sarama.StringEncoder("x")})
		}
	}
	br.ProduceMessages(b, msgs...)
	p := newTestPlanner(b, testConfig(br, ResetEarliest, "wide"))
	current := make(map[TopicPartition]int64, partitions)
	for i := range int32(partitions) {
		current[TopicPartition{"wide", i}] = 0
	}
	ctx := context.Background()
	in := PlanInput{Current: current, BatchDuration: time.Second, RateLimit: 500}

	b.ReportAllocs()
	for b.Loop() {
		plan, err := p.Plan(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		if len(plan.Ranges) != partitions {
			b.Fatalf("planned %d ranges, want %d", len(plan.Ranges), partitions)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/partitions, "µs/partition")
}

// BenchmarkReadRange reads a range of 200,000 records of 100 bytes the way
// executors do (Fetch requests to the leader) and, for comparison, with
// sarama's partition consumer (kept for read_committed).
func BenchmarkReadRange(b *testing.B) {
	const records = 200_000
	br := kafkatest.Start(b, map[string]int32{"deep": 1})
	value := bytes.Repeat([]byte("v"), 100)
	br.Produce(b, "deep", 0, records, func(i int) ([]byte, []byte) {
		return fmt.Appendf(nil, "key-%d", i), value
	})
	r := newTestReader(b, testConfig(br, ResetEarliest, "deep"))
	rng := OffsetRange{Topic: "deep", Partition: 0, From: 0, Until: records}
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		read func(context.Context, OffsetRange) ([]Record, error)
	}{{"fetch", r.ReadRange}, {"partition-consumer", r.consumeRange}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(records * 100)
			for b.Loop() {
				recs, err := bc.read(ctx, rng)
				if err != nil {
					b.Fatal(err)
				}
				if len(recs) != records {
					b.Fatalf("read %d records, want %d", len(recs), records)
				}
			}
			b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
