package sink

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
)

// BenchmarkKafkaSinkWrite measures the Kafka sink's records/s with and
// without transactions, in the same run, against the in-process broker.
// A batch is 4 source partitions' tasks writing at once through one sink
// (one executor), each task its outputs (16-byte keys, 100-byte values)
// into an 8-partition topic. Each iteration writes one batch through a sink
// without transactions and one through a transactional sink, in
// alternating order, so that both see the same load on the machine; the
// reported records/s are each sink's records over the time spent in its
// batches. Everything else is at the sink's defaults. Run with:
//
//	go test -run XXX -bench KafkaSinkWrite -benchtime 200x ./streaming/sink/
func BenchmarkKafkaSinkWrite(b *testing.B) {
	const sources = 4
	for _, perTask := range []int{100, 2000} {
		b.Run(fmt.Sprintf("outputs=%d", perTask), func(b *testing.B) {
			broker := kafkatest.Start(b, map[string]int32{"orders": sources, "idem": 8, "txn": 8, "dl": 1})
			sinks := map[Transactional]*KafkaSink{}
			for mode, topic := range map[Transactional]string{TransactionalOff: "idem", TransactionalOn: "txn"} {
				s, err := NewKafkaSink(context.Background(), KafkaConfig{Brokers: broker.Addrs(), Topic: topic, DeadLetterTopic: "dl",
					Transactional: mode, SourceTopics: []string{"orders"}})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				sinks[mode] = s
			}
			outs := make([]sdk.Output, perTask)
			for i := range outs {
				outs[i] = sdk.Output{Key: fmt.Appendf(nil, "customer-%07d", i), Value: make([]byte, 100)}
			}
			b.Logf("%d source partitions, %d outputs per task (16-byte keys, 100-byte values), output topics of 8 partitions, sink defaults",
				sources, perTask)
			start := time.UnixMilli(1_700_000_000_000)
			spent := map[Transactional]time.Duration{}
			batch := func(mode Transactional, i int) {
				began := time.Now()
				var wg sync.WaitGroup
				errs := make(chan error, sources)
				for p := range int32(sources) {
					wg.Go(func() {
						rng := kafkasource.OffsetRange{Topic: "orders", Partition: p, From: int64(i * perTask), Until: int64((i + 1) * perTask)}
						errs <- writeTask(context.Background(), sinks[mode], start.Add(time.Duration(i)*time.Second), rng, outs, nil)
					})
				}
				wg.Wait()
				spent[mode] += time.Since(began)
				close(errs)
				for err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if i%2 == 0 {
					batch(TransactionalOff, i)
					batch(TransactionalOn, i)
				} else {
					batch(TransactionalOn, i)
					batch(TransactionalOff, i)
				}
			}
			records := float64(b.N * sources * perTask)
			idem, txn := records/spent[TransactionalOff].Seconds(), records/spent[TransactionalOn].Seconds()
			b.ReportMetric(idem, "idempotent-records/s")
			b.ReportMetric(txn, "transactional-records/s")
			b.ReportMetric(txn/idem, "transactional/idempotent")
		})
	}
}
