package appmaster

import (
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/internal/testutil"
)

// benchBatch is a batch of the retail job's shape: 8 partitions, every
// stage timed.
func benchBatch(i int) driver.BatchInfo {
	b := driver.BatchInfo{
		Time: t0.Add(time.Duration(i) * time.Second), Started: t0.Add(time.Duration(i) * time.Second), Finished: t0.Add(time.Duration(i)*time.Second + 400*time.Millisecond),
		Records: 4000 + int64(i%500), Outputs: 3990, Rejected: 10, SchedulingDelay: time.Duration(i%7) * time.Millisecond,
		ProcessingDelay: time.Duration(300+i%200) * time.Millisecond, RateLimit: 9000, Lag: int64(i % 1000),
	}
	for _, s := range []string{driver.StagePlan, driver.StageOffsets, driver.StageRead, driver.StageProcess, driver.StageWrite, driver.StageState, driver.StageCommit} {
		b.Stages = append(b.Stages, driver.StageTime{Stage: s, Duration: 3 * time.Millisecond})
	}
	for p := range int32(8) {
		from := int64(i) * 500
		b.Partitions = append(b.Partitions, driver.PartitionProgress{Topic: "transactions", Partition: p, From: from, Until: from + 500, Latest: from + 500 + int64(i%50)})
	}
	return b
}

// BenchmarkStreamingTab1000Batches measures the Streaming tab of an AM
// that retains 1,000 batches (spark.streaming.ui.retainedBatches'
// default) and the AM heap they take. Run it with -benchtime 100x.
func BenchmarkStreamingTab1000Batches(b *testing.B) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m := NewMetrics(MetricsConfig{AttemptID: testAttempt, AppName: "retail", BatchDuration: time.Second})
	for i := range 1200 {
		m.OnBatch(benchBatch(i))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.Logf("AM heap with 1,000 retained batches of 8 partitions: %.1f MiB", float64(after.HeapAlloc-before.HeapAlloc)/(1<<20))
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	testutil.Latencies(b, srv.URL+"/streaming/")
}
