package clustertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/streaming/kafkasource"
)

// benchRetailJob submits the retail job reading topic with 2 executors of
// 2 cores and 1 GiB, at the shipped defaults but for what it prints (and
// extra, which it prints too).
func benchRetailJob(b *testing.B, c *testutil.Cluster, broker *kafkatest.Broker, topic, dir string, extra ...string) *testutil.Submission {
	b.Helper()
	flags := append([]string{"--num-executors", "2", "--executor-cores", "2", "--executor-memory", "1g", "--driver-memory", "512m",
		"--files", testutil.RetailRegions(),
		"--conf", "spindle.kafka.bootstrap.servers=" + strings.Join(broker.Addrs(), ","),
		"--conf", "spindle.kafka.topics=" + topic,
		"--conf", "spindle.kafka.auto.offset.reset=earliest",
		"--conf", "spindle.checkpoint.dir=file://" + dir + "/checkpoint",
		"--conf", "spindle.sink.path=file://" + dir + "/out",
		"--conf", "spindle.streaming.shutdownMarker.pollInterval=100ms",
		"--conf", "spindle.checkpoint.retainBatches=100000",
	}, extra...)
	logShippedTimings(b, "the job: "+strings.Join(flags, " "))
	return c.Submit(append(flags, testutil.Binary(b, "./examples/retail", "retail"), "--regions", "regions.csv")...)
}

// BenchmarkStreamingThroughput runs the retail job at 4, 8 and 16
// partitions against the fastest raw consumer here, reading the same topic
// in the same run (a sarama consumer and Spindle's own fetch path, once
// before the job and once after, the faster of the two means kept).
//
// backlog: 1,000,000 transactions produced beforehand are drained; the
// pipeline's time runs from the first batch's offsets entry to the last
// batch's commit. steady: then transactions stream in for 30 s at 80% of
// the rate the backlog was drained at, with 1 s batches; the pipeline's
// rate is the records of those batches over their processing time. Both
// ratios are the pipeline's rate over the consumer's. It also reports the
// peak RSS of the executor processes and of their job plugins, and checks
// that the sink holds exactly the expected revenue per store.
func BenchmarkStreamingThroughput(b *testing.B) {
	for _, partitions := range []int32{4, 8, 16} {
		b.Run(fmt.Sprintf("partitions=%d", partitions), func(b *testing.B) { benchmarkThroughput(b, partitions) })
	}
}

func benchmarkThroughput(b *testing.B, partitions int32) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("SPINDLE_BENCH_RECORDS")); err == nil && v > 0 {
		n = v
		b.Logf("backlog of %d records (SPINDLE_BENCH_RECORDS), not 1,000,000", n)
	}
	const steadyFor = 30 * time.Second
	for range b.N {
		broker := kafkatest.Start(b, map[string]int32{"transactions": partitions})
		c := testutil.StartCluster(b, testutil.ClusterConfig{NodeManagers: 2, NMMemory: "8g", ShippedTimings: true})
		var want testutil.RetailTotals
		testutil.ProduceRetail(b, broker, "transactions", partitions, 0, n, &want)

		b.ResetTimer()
		before := fastestConsumer(b, broker, "transactions", partitions)
		dir := testutil.SharedDir(b)
		sub := benchRetailJob(b, c, broker, "transactions", dir)
		appID := sub.AppID()
		waitCommittedUntil(b, broker, "transactions", partitions, dir, 10*time.Minute)
		ckpt := filepath.Join(dir, "checkpoint")
		var start, end time.Time
		for _, o := range testutil.BatchOffsets(b, ckpt) {
			if o.Records() > 0 && start.IsZero() {
				start = o.ModTime
			}
		}
		backlogBatches := 0
		for _, cm := range testutil.BatchCommits(b, ckpt) {
			if cm.Outputs["records"] > 0 {
				end = cm.ModTime
				backlogBatches++
			}
		}
		backlogRate := float64(n) / end.Sub(start).Seconds()

		// The steady stream, at 80% of the drain rate.
		steadyRate := 0.8 * backlogRate
		steadyFrom := time.Now()
		prod := testutil.StartPacedProducer(b, testutil.PacedProducerConfig{Broker: broker, Topic: "transactions", Partitions: partitions, Rate: steadyRate,
			Value: func(i int, at time.Time) []byte {
				t := testutil.RetailTransaction(n+i, at)
				want.Add(t)
				return t.JSON()
			}})
		time.Sleep(steadyFor)
		produced, err := prod.Stop()
		if err != nil {
			b.Fatal(err)
		}
		waitCommittedUntil(b, broker, "transactions", partitions, dir, 5*time.Minute)
		var steadyRecords, steadyMs, maxSchedulingMs int64
		for _, cm := range testutil.BatchCommits(b, ckpt) {
			if cm.ModTime.After(steadyFrom) && cm.Outputs["records"] > 0 {
				steadyRecords += cm.Outputs["records"]
				steadyMs += cm.Outputs["processingMs"]
				maxSchedulingMs = max(maxSchedulingMs, cm.Outputs["schedulingMs"])
			}
		}
		executorRSS, pluginRSS := executorPeakRSS(b, c, appID)
		b.StopTimer()
		stopByMarker(b, sub, dir)
		after := fastestConsumer(b, broker, "transactions", partitions)
		consumerRate := (float64(n)/before.Seconds() + float64(n+produced)/after.Seconds()) / 2
		got := testutil.ReadRetailSink(b, filepath.Join(dir, "out"))
		if d := want.Diff(got.Totals); d != "" {
			b.Fatalf("sink differs: %s", d)
		}
		if d := got.IDsDiff(n + produced); d != "" || len(got.Duplicates) > 0 {
			b.Fatalf("sink: %s; duplicates %v", d, got.Duplicates)
		}
		steadyPipeline := float64(steadyRecords) / (float64(max(steadyMs, 1)) / 1000)
		b.Logf("backlog: %d records in %d batches, %.0f records/s; steady: %.0f records/s offered, %d produced, %d records in %d ms of processing, %.0f records/s, scheduling delay at most %d ms; consumer %.0f records/s",
			n, backlogBatches, backlogRate, steadyRate, produced, steadyRecords, steadyMs, steadyPipeline, maxSchedulingMs, consumerRate)
		b.ReportMetric(backlogRate, "backlog-records/s")
		b.ReportMetric(steadyPipeline, "steady-records/s")
		b.ReportMetric(consumerRate, "consumer-records/s")
		b.ReportMetric(backlogRate/consumerRate, "backlog-ratio")
		b.ReportMetric(steadyPipeline/consumerRate, "steady-ratio")
		b.ReportMetric(float64(executorRSS>>20), "executor-peak-rss-MiB")
		b.ReportMetric(float64(pluginRSS>>20), "plugin-peak-rss-MiB")
		b.ReportMetric(0, "ns/op")
	}
}

// fastestConsumer reads every record of the topic with a sarama consumer
// and with Spindle's fetch path, one after the other, and returns the
// shorter time.
func fastestConsumer(b *testing.B, broker *kafkatest.Broker, topic string, partitions int32) time.Duration {
	b.Helper()
	viaSarama := consumeAll(b, broker, topic, partitions)
	viaFetch := fetchAll(b, broker, topic, partitions)
	b.Logf("raw consumers: sarama %v, Spindle's fetch path %v", viaSarama, viaFetch)
	return min(viaSarama, viaFetch)
}

// fetchAll reads every record of topic's partitions with Spindle's own
// fetch path (kafkasource.Reader, as executors read), the partitions at
// once, and returns how long it took.
func fetchAll(b *testing.B, broker *kafkatest.Broker, topic string, partitions int32) time.Duration {
	b.Helper()
	cfg := kafkasource.DefaultConfig()
	cfg.Brokers, cfg.Topics = broker.Addrs(), []string{topic}
	start := time.Now()
	r, err := kafkasource.NewReader(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	ends := make([]int64, partitions)
	for p := range partitions {
		_, ends[p] = broker.Offsets(b, topic, p)
	}
	readPartitions(b, partitions, func(p int32) error {
		end := ends[p]
		n := int64(0)
		if err := r.ReadRangeEach(context.Background(), kafkasource.OffsetRange{Topic: topic, Partition: p, From: 0, Until: end}, func(*kafkasource.Record) { n++ }); err != nil {
			return err
		}
		if n != end {
			return fmt.Errorf("partition %d: fetched %d records, want %d", p, n, end)
		}
		return nil
	})
	return time.Since(start)
}

// readPartitions runs read for each partition at once and fails the
// benchmark with their errors.
func readPartitions(b *testing.B, partitions int32, read func(p int32) error) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, partitions)
	for p := range partitions {
		wg.Go(func() {
			if err := read(p); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// executorPeakRSS returns the largest peak RSS (VmHWM) among appID's
// executor processes, and among their children, the job plugins.
func executorPeakRSS(b *testing.B, c *testutil.Cluster, appID string) (executor, plugin int64) {
	b.Helper()
	for _, cs := range c.RunningContainers(appID) {
		for _, ct := range cs {
			if strings.HasSuffix(ct.ID, "_000001") {
				continue
			}
			executor = max(executor, peakRSS(int(ct.PID)))
			for _, child := range childPIDs(int(ct.PID)) {
				plugin = max(plugin, peakRSS(child))
			}
		}
	}
	return executor, plugin
}

// peakRSS is a process's VmHWM in bytes, 0 when it cannot be read.
func peakRSS(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// childPIDs lists the processes whose parent is pid.
func childPIDs(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, path := range stats {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		i := strings.LastIndexByte(string(raw), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(raw[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			child, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
			out = append(out, child)
		}
	}
	return out
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
	pcs := make([]sarama.PartitionConsumer, partitions)
	for p := range partitions {
		if pcs[p], err = consumer.ConsumePartition(topic, p, sarama.OffsetOldest); err != nil {
			b.Fatal(err)
		}
	}
	readPartitions(b, partitions, func(p int32) error {
		defer pcs[p].Close()
		deadline := time.After(2 * time.Minute)
		for {
			select {
			case m, ok := <-pcs[p].Messages():
				if !ok {
					return fmt.Errorf("partition %d: consumer stopped before offset %d", p, ends[p]-1)
				}
				if m.Offset == ends[p]-1 {
					return nil
				}
			case <-deadline:
				return fmt.Errorf("partition %d: offset %d not read within 2 minutes", p, ends[p]-1)
			}
		}
	})
	took := time.Since(start)
	return took
}

// BenchmarkStreamingLatency produces retail transactions at 2,400
// records/s for 60 s, each stamped with the time it is produced, through
// the retail job, with 1 s and with 200 ms batches, and reports the p50 and
// p99 of each transaction's latency: the modification time of the sink file
// it landed in (written atomically, so when the output became visible)
// minus its stamp.
func BenchmarkStreamingLatency(b *testing.B) {
	for _, batch := range []time.Duration{time.Second, 200 * time.Millisecond} {
		b.Run("batch="+batch.String(), func(b *testing.B) { benchmarkLatency(b, batch) })
	}
}

func benchmarkLatency(b *testing.B, batch time.Duration) {
	const rate, produceFor = 2400, 60 * time.Second
	const total = rate * int(produceFor/time.Second)
	for range b.N {
		broker := kafkatest.Start(b, map[string]int32{"transactions": 4})
		c := testutil.StartCluster(b, testutil.ClusterConfig{NodeManagers: 2, NMMemory: "8g", ShippedTimings: true})
		dir := testutil.SharedDir(b)
		var extra []string
		if batch != time.Second {
			extra = []string{"--conf", "spindle.streaming.batchDuration=" + batch.String()}
		}
		sub := benchRetailJob(b, c, broker, "transactions", dir, extra...)
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
		b.ReportMetric(pct(0.5), "p50-ms")
		b.ReportMetric(pct(0.99), "p99-ms")
		b.ReportMetric(0, "ns/op")
	}
}
