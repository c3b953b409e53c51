package clustertest

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
)

// BenchmarkTLSTaskPath measures what TLS costs the task path: the retail
// job drains the same backlog of 200,000 transactions (4 partitions) on a
// cluster in plain text and on one with TLS (shipped defaults otherwise),
// one after the other in the same run, and each drain rate is reported
// with their ratio. With TLS the driver and executors talk over the
// application's TLS, the AM over the cluster's; Kafka is the same for
// both.
func BenchmarkTLSTaskPath(b *testing.B) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("SPINDLE_BENCH_RECORDS")); err == nil && v > 0 {
		n = v
		b.Logf("backlog of %d records (SPINDLE_BENCH_RECORDS), not 200,000", n)
	}
	const partitions = 4
	for range b.N {
		broker := kafkatest.Start(b, map[string]int32{"transactions": partitions})
		var want testutil.RetailTotals
		testutil.ProduceRetail(b, broker, "transactions", partitions, 0, n, &want)
		rates := map[bool]float64{}
		for _, plaintext := range []bool{true, false} {
			c := testutil.StartCluster(b, testutil.ClusterConfig{NodeManagers: 2, NMMemory: "8g", ShippedTimings: true, Plaintext: plaintext})
			dir := testutil.SharedDir(b)
			sub := benchRetailJob(b, c, broker, "transactions", dir, "--conf", "spindle.kafka.group.id=tls-bench-"+strconv.FormatBool(plaintext))
			waitCommittedUntil(b, broker, "transactions", partitions, dir, 10*time.Minute)
			rates[plaintext] = drainRate(b, filepath.Join(dir, "checkpoint"), n)
			stopByMarker(b, sub, dir)
			got := testutil.ReadRetailSink(b, filepath.Join(dir, "out"))
			if d := want.Diff(got.Totals); d != "" {
				b.Fatalf("plaintext=%v: sink differs: %s", plaintext, d)
			}
		}
		b.Logf("drain of %d records: %.0f records/s in plain text, %.0f with TLS", n, rates[true], rates[false])
		b.ReportMetric(rates[true], "plain-records/s")
		b.ReportMetric(rates[false], "tls-records/s")
		b.ReportMetric(rates[false]/rates[true], "tls/plain")
		b.ReportMetric(0, "ns/op")
	}
}

// drainRate is n records over the time from the first batch with records
// planned to the last one with records committed.
func drainRate(b *testing.B, ckpt string, n int) float64 {
	b.Helper()
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
	}
	if !end.After(start) {
		b.Fatalf("checkpoint %s: no batches with records", ckpt)
	}
	return float64(n) / end.Sub(start).Seconds()
}
