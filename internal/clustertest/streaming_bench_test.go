package clustertest

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
)

// BenchmarkStreamingThroughput runs 1,000,000 retail transactions, produced
// beforehand to 4 partitions, through the retail job on 2 executors, and
// reads the same topic with a plain sarama consumer in the same run, once
// before the job starts and once after it stops, so that a change in the
// machine's load in between affects both alike. The pipeline's time runs
// from the first batch's offsets entry to the last batch's commit; the
// consumer's from its start to its last record. It reports the pipeline's
// rate, the consumer's mean rate and their ratio, and checks the sink holds
// exactly the expected revenue per store. maxRatePerPartition is set high
// enough for the backlog to be read in one batch, so that the figure is
// the pipeline's own rate, not the cap's.
//
// The sub-benchmark GOGC=400 sets spark.executorEnv.GOGC=400, which the
// executors' job plugins inherit: fewer garbage collections, at the price
// of heaps up to five times the live data (still bounded by GOMEMLIMIT).
func BenchmarkStreamingThroughput(b *testing.B) {
	b.Run("defaults", func(b *testing.B) { benchmarkThroughput(b) })
	b.Run("GOGC=400", func(b *testing.B) { benchmarkThroughput(b, "--conf", "spark.executorEnv.GOGC=400") })
}

func benchmarkThroughput(b *testing.B, extra ...string) {
	const n = 1_000_000
	for range b.N {
		broker := kafkatest.Start(b, map[string]int32{"transactions": 4})
		c := testutil.StartCluster(b, testutil.ClusterConfig{NodeManagers: 2, NMMemory: "8g", Conf: []string{"spindle.log.level=info"}})
		var want testutil.RetailTotals
		testutil.ProduceRetail(b, broker, "transactions", 4, 0, n, &want)

		b.ResetTimer()
		consumerBefore := float64(n) / consumeAll(b, broker, "transactions", 4).Seconds()
		dir := b.TempDir()
		flags := append([]string{"--executor-memory", "1g", "--executor-cores", "2", "--driver-memory", "512m",
			"--conf", "spindle.streaming.batchDuration=1s",
			"--conf", "spark.streaming.kafka.maxRatePerPartition=250000"}, extra...)
		sub := retailJob(b, c, broker, "transactions", dir, flags...)
		waitCommittedUntil(b, broker, "transactions", 4, dir, 5*time.Minute)
		b.StopTimer()
		stopByMarker(b, sub, dir)
		consumerAfter := float64(n) / consumeAll(b, broker, "transactions", 4).Seconds()
		consumerRate := (consumerBefore + consumerAfter) / 2
		b.Logf("plain consumer: %.0f records/s before the job, %.0f after", consumerBefore, consumerAfter)

		ckpt := filepath.Join(dir, "checkpoint")
		// From the start of the first batch with records (its offsets
		// entry is written before its tasks launch) to the commit of the
		// last one.
		var start, end time.Time
		for _, o := range testutil.BatchOffsets(b, ckpt) {
			if o.Records() > 0 && start.IsZero() {
				start = o.ModTime
			}
		}
		for _, cm := range testutil.BatchCommits(b, ckpt) {
			if cm.Outputs["records"] > 0 {
				end = cm.ModTime
			}
			b.Logf("batch %d: %v", cm.BatchTimeMs, cm.Outputs)
		}
		pipelineRate := float64(n) / end.Sub(start).Seconds()
		got := testutil.ReadRetailSink(b, filepath.Join(dir, "out"))
		if d := want.Diff(got.Totals); d != "" {
			b.Fatalf("sink differs: %s", d)
		}
		if d := got.IDsDiff(n); d != "" || len(got.Duplicates) > 0 {
			b.Fatalf("sink: %s; duplicates %v", d, got.Duplicates)
		}
		b.ReportMetric(pipelineRate, "pipeline-records/s")
		b.ReportMetric(consumerRate, "consumer-records/s")
		b.ReportMetric(pipelineRate/consumerRate, "ratio")
		b.ReportMetric(0, "ns/op")
	}
}

// consumeAll reads every record of topic's partitions with a sarama
// consumer of its own, the partitions at once, and returns how long it took.
func consumeAll(b *testing.B, broker *kafkatest.Broker, topic string, partitions int32) time.Duration {
	b.Helper()
	ends := make([]int64, partitions)
	for p := range partitions {
		_, ends[p] = broker.Offsets(b, topic, p)
	}
	start := time.Now()
	client, err := sarama.NewClient(broker.Addrs(), sarama.NewConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		b.Fatal(err)
	}
	defer consumer.Close()
	var wg sync.WaitGroup
	errs := make(chan error, partitions)
	for p := range partitions {
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			b.Fatal(err)
		}
		wg.Go(func() {
			defer pc.Close()
			deadline := time.After(2 * time.Minute)
			for {
				select {
				case m, ok := <-pc.Messages():
					if !ok {
						errs <- fmt.Errorf("partition %d: consumer stopped before offset %d", p, ends[p]-1)
						return
					}
					if m.Offset == ends[p]-1 {
						return
					}
				case <-deadline:
					errs <- fmt.Errorf("partition %d: offset %d not read within 2 minutes", p, ends[p]-1)
					return
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return took
}

// BenchmarkStreamingLatency produces retail transactions at 2,400 records/s
// for 20 s, each stamped with the time it is produced, through the retail
// job with 1 s batches, and reports the p50 and p99 of each transaction's
// latency: the modification time of the sink file it landed in (written
// atomically, so when the output became visible) minus its stamp.
func BenchmarkStreamingLatency(b *testing.B) {
	const rate, produceFor = 2400, 20 * time.Second
	const total = rate * int(produceFor/time.Second)
	for range b.N {
		broker := kafkatest.Start(b, map[string]int32{"transactions": 4})
		c := testutil.StartCluster(b, testutil.ClusterConfig{NodeManagers: 2, NMMemory: "8g", Conf: []string{"spindle.log.level=info"}})
		dir := b.TempDir()
		sub := retailJob(b, c, broker, "transactions", dir,
			"--executor-memory", "512m", "--executor-cores", "2",
			"--conf", "spindle.streaming.batchDuration=1s")
		ckpt := filepath.Join(dir, "checkpoint")
		testutil.WaitFor(b, 60*time.Second, func() (bool, string) {
			return len(testutil.BatchCommits(b, ckpt)) > 0, "no batch committed yet"
		})
		var want testutil.RetailTotals
		b.ResetTimer()
		prod := testutil.StartPacedProducer(b, testutil.PacedProducerConfig{Broker: broker, Topic: "transactions", Partitions: 4, Rate: rate,
			Value: func(n int, at time.Time) []byte {
				t := testutil.RetailTransaction(n, at)
				want.Add(t)
				return t.JSON()
			}})
		testutil.WaitFor(b, produceFor+10*time.Second, func() (bool, string) {
			return prod.Produced() >= total, fmt.Sprintf("%d of %d records produced", prod.Produced(), total)
		})
		produced, err := prod.Stop()
		if err != nil {
			b.Fatal(err)
		}
		waitCommittedUntil(b, broker, "transactions", 4, dir, 60*time.Second)
		b.StopTimer()
		stopByMarker(b, sub, dir)
		got := testutil.ReadRetailSink(b, filepath.Join(dir, "out"))
		if d := want.Diff(got.Totals); d != "" {
			b.Fatalf("sink differs: %s", d)
		}
		if d := got.IDsDiff(produced); d != "" || len(got.Duplicates) > 0 {
			b.Fatalf("sink: %s; duplicates %v", d, got.Duplicates)
		}
		lat := got.Latencies
		slices.Sort(lat)
		pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
		b.Logf("%d records produced; latency p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms", produced, pct(0.5), pct(0.9), pct(0.99), pct(1))
		for _, cm := range testutil.BatchCommits(b, ckpt) {
			b.Logf("batch %d: %v", cm.BatchTimeMs, cm.Outputs)
		}
		b.ReportMetric(pct(0.5), "p50-ms")
		b.ReportMetric(pct(0.99), "p99-ms")
		b.ReportMetric(0, "ns/op")
	}
}
