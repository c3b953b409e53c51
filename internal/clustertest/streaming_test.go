package clustertest

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
	"go.uber.org/zap"
)

// retailTransactions is how many transactions TestRetailJobEndToEnd sends
// through the retail job; -retail.transactions 1000000 runs the full size.
var retailTransactions = flag.Int("retail.transactions", 100_000, "transactions TestRetailJobEndToEnd produces")

// retailJob submits examples/retail reading topic, shipping its region
// table with --files, with its checkpoint and sink under dir.
func retailJob(t testing.TB, c *testutil.Cluster, b *kafkatest.Broker, topic, dir string, extra ...string) *testutil.Submission {
	extra = append([]string{"--files", testutil.RetailRegions(), "--conf", "spindle.checkpoint.retainBatches=100000"}, extra...)
	return streamingJob(c, b, topic, dir, extra, testutil.Binary(t, "./examples/retail", "retail"), "--regions", "regions.csv")
}

// waitCommittedUntil waits until the newest committed batch of the job
// under dir ends at latest in every partition of topic.
func waitCommittedUntil(t testing.TB, b *kafkatest.Broker, topic string, partitions int32, dir string, timeout time.Duration) {
	t.Helper()
	want := map[string]int64{}
	for p := range partitions {
		_, want[fmt.Sprintf("%s-%d", topic, p)] = b.Offsets(t, topic, p)
	}
	testutil.WaitFor(t, timeout, func() (bool, string) {
		got := testutil.CommittedUntil(t, filepath.Join(dir, "checkpoint"))
		for k, v := range want {
			if got[k] != v {
				return false, fmt.Sprintf("committed up to %v, want %v", got, want)
			}
		}
		return true, ""
	})
}

// TestRetailJobEndToEnd: the retail job consumes every produced
// transaction, half of them produced while it runs; the sink holds each
// valid one exactly once with the expected revenue per store, the invalid
// ones are dead letters with their reasons, the batch statistics in the
// commits add up, and the state after a graceful stop holds every store's
// revenue; the consumer group holds the processed offsets and the AM
// serves the batch statistics.
func TestRetailJobEndToEnd(t *testing.T) {
	n := *retailTransactions
	b := kafkatest.Start(t, map[string]int32{"transactions": 4})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	var want testutil.RetailTotals
	started := time.Now()
	testutil.ProduceRetail(t, b, "transactions", 4, 0, n/2, &want)
	t.Logf("produced %d transactions in %v", n/2, time.Since(started))
	dir := testutil.SharedDir(t)
	// The cap keeps each batch to 100,000 records, so that a backlog of
	// any size is read in batches an executor's memory holds.
	sub := retailJob(t, c, b, "transactions", dir,
		"--executor-memory", "512m", "--executor-cores", "2",
		"--conf", "spindle.streaming.batchDuration=1s",
		"--conf", "spark.streaming.kafka.maxRatePerPartition=25000")
	sub.AppID()
	ckpt := filepath.Join(dir, "checkpoint")
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		return len(testutil.BatchCommits(t, ckpt)) > 0, "no batch committed yet"
	})
	started = time.Now()
	testutil.ProduceRetail(t, b, "transactions", 4, n/2, n-n/2, &want)
	t.Logf("produced %d more transactions in %v", n-n/2, time.Since(started))
	produced := time.Now()
	waitCommittedUntil(t, b, "transactions", 4, dir, 120*time.Second)
	t.Logf("all %d transactions committed %v after the last was produced", n, time.Since(produced))
	// Lag monitors see the stream's progress in its consumer group, and
	// the AM serves the batches as Spark's streaming REST API does.
	checkConsumerGroup(t, b, "spindle-retail", "transactions", 4) // spindle-<app name>
	checkStreamingAPI(t, c.TLS.ClientTLS, trackingURL(t, c, sub.AppID()), int64(n), 4)

	checkRetailSink(t, dir, want, n)
	var records, outputs, rejected int64
	commits := testutil.BatchCommits(t, ckpt)
	for _, cm := range commits {
		records += cm.Outputs["records"]
		outputs += cm.Outputs["outputs"]
		rejected += cm.Outputs["rejected"]
	}
	var wantRejected int64
	for _, k := range want.Rejected {
		wantRejected += k
	}
	if records != int64(n) || outputs != want.Valid || rejected != wantRejected {
		t.Errorf("commits count %d records, %d outputs, %d rejected; want %d, %d, %d", records, outputs, rejected, n, want.Valid, wantRejected)
	}
	t.Logf("%d batches", len(commits))

	// Graceful stop; the state snapshot of the last batch holds every
	// store's revenue.
	stopByMarker(t, sub, dir)
	state := lastState(t, ckpt)
	for _, s := range testutil.RetailStores {
		if got, _ := strconv.ParseInt(string(state[s]), 10, 64); got != want.StoreCents[s] {
			t.Errorf("state of %s = %q cents, want %d", s, state[s], want.StoreCents[s])
		}
	}
}

// checkRetailSink checks that the retail job's sink under dir holds each
// of the n transactions once, with want's totals.
func checkRetailSink(t *testing.T, dir string, want testutil.RetailTotals, n int) {
	t.Helper()
	got := testutil.ReadRetailSink(t, filepath.Join(dir, "out"))
	if d := want.Diff(got.Totals); d != "" {
		t.Errorf("sink differs: %s", d)
	}
	if len(got.Duplicates) > 0 {
		t.Errorf("transactions in the sink more than once: %v", got.Duplicates)
	}
	if d := got.IDsDiff(n); d != "" {
		t.Errorf("sink: %s", d)
	}
}

// lastState reads the keyed state of the newest committed batch.
func lastState(t testing.TB, ckpt string) map[string][]byte {
	t.Helper()
	store, _ := dfs.NewFileStore("/")
	log, err := hdfscheckpoint.NewLog(store, ckpt, 0, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := log.Recover(context.Background())
	if err != nil || rec.LastCommitted == nil {
		t.Fatalf("recover %s: %+v, %v", ckpt, rec, err)
	}
	raw, err := log.ReadState(context.Background(), rec.LastCommitted.BatchTime, hdfscheckpoint.AllPartitionsState)
	if errors.Is(err, hdfscheckpoint.ErrNotFound) {
		// Batches before the first record keep no state; outputs show
		// before their batch commits, so one may be the newest commit.
		return map[string][]byte{}
	}
	if err != nil {
		t.Fatal(err)
	}
	var snap struct{ State map[string][]byte }
	if err := json.Unmarshal(raw, &snap); err != nil {
		t.Fatal(err)
	}
	return snap.State
}

// TestMaxRatePerPartitionCapsEveryBatch: with
// spark.streaming.kafka.maxRatePerPartition, no batch reads more than the
// cap × the batch duration from any partition, as the offsets entries of
// the checkpoint show, and the backlog is still read whole.
func TestMaxRatePerPartitionCapsEveryBatch(t *testing.T) {
	const (
		maxRate  = 1000                   // records per second per partition
		batch    = 500 * time.Millisecond // 500 records per partition per batch
		perBatch = maxRate * 500 / 1000
		backlog  = 12_000 // 3,000 per partition: 6 full batches
	)
	b := kafkatest.Start(t, map[string]int32{"transactions": 4})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	var want testutil.RetailTotals
	testutil.ProduceRetail(t, b, "transactions", 4, 0, backlog, &want)
	dir := testutil.SharedDir(t)
	sub := retailJob(t, c, b, "transactions", dir,
		"--conf", "spindle.streaming.batchDuration="+batch.String(),
		"--conf", "spark.streaming.kafka.maxRatePerPartition="+strconv.Itoa(maxRate))
	waitCommittedUntil(t, b, "transactions", 4, dir, 60*time.Second)
	stopByMarker(t, sub, dir)

	full := 0
	for _, o := range testutil.BatchOffsets(t, filepath.Join(dir, "checkpoint")) {
		for _, r := range o.Ranges {
			if n := r.Until - r.From; n > perBatch {
				t.Errorf("batch %d read %d records from %s-%d, more than %d (maxRatePerPartition %d × %v)", o.BatchTimeMs, n, r.Topic, r.Partition, perBatch, maxRate, batch)
			} else if n == perBatch {
				full++
			}
		}
	}
	// The backlog makes the cap bind: every partition reads exactly the
	// cap until its backlog is gone.
	if want := backlog / perBatch; full != want {
		t.Errorf("%d ranges read exactly the cap of %d records, want %d", full, perBatch, want)
	}
	if d := want.Diff(testutil.ReadRetailSink(t, filepath.Join(dir, "out")).Totals); d != "" {
		t.Errorf("sink differs: %s", d)
	}
}

// TestBackpressureBringsProcessingUnderBatchDuration: a job that can
// process only about half of what is produced takes longer than the batch
// duration while it runs at the initial rate; backpressure then lowers the
// rate until a batch is processed within the batch duration, within 10
// batches, as the statistics in the commits show.
func TestBackpressureBringsProcessingUnderBatchDuration(t *testing.T) {
	const (
		rate  = 2000                 // produced records per second
		delay = 2 * time.Millisecond // per record: 2 one-core executors process at most 1,000/s
	)
	b := kafkatest.Start(t, map[string]int32{"events": 4})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	testutil.StartPacedProducer(t, testutil.PacedProducerConfig{Broker: b, Topic: "events", Partitions: 4, Rate: rate,
		Value: func(n int, _ time.Time) []byte { return strconv.AppendInt(nil, int64(n), 10) }})
	dir := testutil.SharedDir(t)
	sub := streamingJob(c, b, "events", dir, []string{
		"--conf", "spindle.streaming.batchDuration=1s",
		"--conf", "spindle.checkpoint.retainBatches=100000",
		"--conf", "spark.streaming.backpressure.enabled=true",
		"--conf", "spark.streaming.backpressure.initialRate=" + strconv.Itoa(rate),
		"--conf", "spark.executorEnv.SLOWJOB_RECORD_DELAY=" + delay.String(),
	}, testutil.Binary(t, "./internal/testutil/slowjob", "slowjob"))
	ckpt := filepath.Join(dir, "checkpoint")
	var batches []testutil.CheckpointEntry
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		batches = batches[:0]
		for _, cm := range testutil.BatchCommits(t, ckpt) {
			if cm.Outputs["records"] > 0 {
				batches = append(batches, cm)
			}
		}
		return len(batches) >= 10, fmt.Sprintf("%d batches with records committed", len(batches))
	})
	stopByMarker(t, sub, dir)
	for i, cm := range batches {
		t.Logf("batch %d: %v", i+1, cm.Outputs)
	}
	// The job really is slower than the input: at the initial rate a
	// batch takes longer than the batch duration.
	if p := batches[0].Outputs["processingMs"]; p <= 1000 {
		t.Fatalf("the first batch took %d ms at the initial rate of %d/s, want more than the 1 s batch duration", p, rate)
	}
	under := -1
	for i, cm := range batches[:10] {
		if cm.Outputs["processingMs"] < 1000 {
			under = i
			break
		}
	}
	if under < 0 {
		t.Fatalf("no batch among the first 10 took less than the 1 s batch duration")
	}
	// From the first estimate on (the third batch: Spark's estimator needs
	// two), batches are planned below the produce rate.
	for i, cm := range batches[2:10] {
		if r := cm.Outputs["rateLimit"]; r <= 0 || r >= rate {
			t.Errorf("batch %d planned with rate limit %d/s, want a limit below the produce rate %d/s", i+3, r, rate)
		}
	}
}

// TestBackpressureRateKeys: spark.streaming.backpressure.initialRate caps
// the first batches of a stream that starts on a backlog, and
// spark.streaming.backpressure.pid.minRate keeps the estimated rate limit
// from going below it.
func TestBackpressureRateKeys(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"backlog": 4, "trickle": 4})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	retail := func(n int, at time.Time) []byte { return testutil.RetailTransaction(n, at).JSON() }

	t.Run("initialRate caps the first batch", func(t *testing.T) {
		const initialRate, backlog = 1000, 20_000
		var want testutil.RetailTotals
		testutil.ProduceRetail(t, b, "backlog", 4, 0, backlog, &want)
		dir := testutil.SharedDir(t)
		sub := retailJob(t, c, b, "backlog", dir, "--executor-cores", "2",
			"--conf", "spindle.streaming.batchDuration=1s",
			"--conf", "spark.streaming.backpressure.enabled=true",
			"--conf", "spark.streaming.backpressure.initialRate="+strconv.Itoa(initialRate))
		waitCommittedUntil(t, b, "backlog", 4, dir, 60*time.Second)
		commits := testutil.BatchCommits(t, filepath.Join(dir, "checkpoint"))
		for i, cm := range commits {
			t.Logf("batch %d: %v", i+1, cm.Outputs)
		}
		first := commits[0].Outputs
		if first["records"] == 0 || first["records"] > initialRate || first["rateLimit"] != initialRate {
			t.Errorf("first batch %v: want 1 to %d records (initialRate %d/s × 1 s) planned with that rate limit", first, initialRate, initialRate)
		}
		// The job is faster than the initial rate: once estimated, the
		// rate limit rises above it, so the cap was initialRate's doing.
		var above bool
		for _, cm := range commits {
			above = above || cm.Outputs["records"] > initialRate
		}
		if !above {
			t.Errorf("no batch read more than the initial rate: the estimate never replaced it")
		}
		stopByMarker(t, sub, dir)
	})

	t.Run("pid.minRate floors the rate limit", func(t *testing.T) {
		const minRate = 20_000
		// A trickle keeps each batch's processing rate far below minRate, so
		// the estimator alone would go below it.
		testutil.StartPacedProducer(t, testutil.PacedProducerConfig{Broker: b, Topic: "trickle", Partitions: 4, Rate: 40, Value: retail})
		dir := testutil.SharedDir(t)
		sub := retailJob(t, c, b, "trickle", dir,
			"--conf", "spindle.streaming.batchDuration=500ms",
			"--conf", "spark.streaming.backpressure.enabled=true",
			"--conf", "spark.streaming.backpressure.pid.minRate="+strconv.Itoa(minRate))
		ckpt := filepath.Join(dir, "checkpoint")
		var limited []testutil.CheckpointEntry
		testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
			limited = limited[:0]
			for _, cm := range testutil.BatchCommits(t, ckpt) {
				if cm.Outputs["rateLimit"] > 0 {
					limited = append(limited, cm)
				}
			}
			return len(limited) >= 5, fmt.Sprintf("%d batches planned with an estimated rate", len(limited))
		})
		for _, cm := range testutil.BatchCommits(t, ckpt) {
			o := cm.Outputs
			t.Logf("batch %d: %v", cm.BatchTimeMs, o)
			if o["records"] > 0 && o["processingMs"] > 0 {
				if r := o["records"] * 1000 / o["processingMs"]; r >= minRate {
					t.Errorf("batch %d processed %d records/s, not below minRate %d: the floor is not exercised", cm.BatchTimeMs, r, minRate)
				}
			}
		}
		for _, cm := range limited {
			if r := cm.Outputs["rateLimit"]; r != minRate {
				t.Errorf("batch %d planned with rate limit %d, want the floor %d", cm.BatchTimeMs, r, minRate)
			}
		}
		stopByMarker(t, sub, dir)
	})
}

// stopByMarker stops a streaming job gracefully with its marker file, so
// that its containers are stopped by their NMs rather than left to the
// test's cleanup.
func stopByMarker(t testing.TB, sub *testutil.Submission, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "checkpoint", "_shutdown"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sub.Wait(60 * time.Second); err != nil {
		t.Fatalf("submit after the shutdown marker: %v", err)
	}
}
