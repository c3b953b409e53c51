package executor_test

import (
	"context"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/sink"
)

// BenchmarkTaskPipeline runs one task of 200,000 records of 100 bytes,
// read from an in-process Kafka broker, through the pass-through job's
// plugin to the file sink, in chunks of the shipped size, and reports
// records/s against reading the same range alone with the same reader
// (once before the tasks and once after, the mean kept). A ratio near 1
// means the task runs at the speed of its read: the job and the sink work
// while the next chunk is read.
func BenchmarkTaskPipeline(b *testing.B) {
	b.Logf("changed from the shipped defaults: %s=WARN for the job (its log is not measured)", sdk.ConfLogLevel)
	const n = 200_000
	lines := make([]string, n)
	value := string(make([]byte, 100))
	for i := range lines {
		lines[i] = value
	}
	f := newRunnerFixture(b, lines)
	chunk := driver.ChunkOffsets(32768) // spindle.task.maxRecordsInFlight's default
	fs := sink.FileSink{Store: f.store, Dir: "/out"}
	r := f.runner(b, "./sdk/testdata/passjob/cmd/passjob", "passjob", f.reader, fs)
	ctx := context.Background()
	readOnly := func() time.Duration {
		start := time.Now()
		if err := f.reader.ReadRangeEach(ctx, kafkasource.OffsetRange{Topic: "lines", Partition: 0, From: 0, Until: n}, func(*kafkasource.Record) {}); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	readOnly() // warm the broker's and the reader's paths
	read := readOnly()
	b.ResetTimer()
	for i := range b.N {
		st := r.RunTask(ctx, &pb.LaunchTask{TaskId: "lines-0", BatchTimeUnixMs: int64(1_700_000_000_000 + i), ChunkOffsets: chunk,
			Range: &pb.OffsetRange{Topic: "lines", Partition: 0, From: 0, Until: n}})
		if !st.GetSucceeded() {
			b.Fatal(st.GetError())
		}
	}
	rate := float64(b.N*n) / b.Elapsed().Seconds()
	b.StopTimer()
	read += readOnly()
	readRate := 2 * n / read.Seconds()
	b.ReportMetric(rate, "records/s")
	b.ReportMetric(readRate, "read-records/s")
	b.ReportMetric(rate/readRate, "ratio-to-read")
}
