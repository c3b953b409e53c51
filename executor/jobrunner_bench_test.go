package executor

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/sdk/testdata/passjob"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/sink"
)

const (
	// benchRecords is the number of records in a benchmark partition.
	benchRecords = 10_000
	// benchValueBytes is the size of each record's value.
	benchValueBytes = 100
	// inProcessCalls is how many in-process calls BenchmarkPluginBoundary
	// makes to compare with: a few tenths of a second's worth.
	inProcessCalls = 100
)

// benchPartition is benchRecords records of benchValueBytes random bytes
// each, without keys, with offsets and timestamps as a Kafka read gives
// them. The values are slices of one buffer, as a fetch's records are.
func benchPartition() sdk.Partition {
	batch := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	buf := make([]byte, benchRecords*benchValueBytes)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	p := sdk.Partition{PartitionInfo: sdk.PartitionInfo{BatchTime: batch, Topic: "bench", Partition: 3}, Records: make([]sdk.Record, benchRecords)}
	for i := range p.Records {
		p.Records[i] = sdk.Record{
			Topic: "bench", Partition: 3, Offset: 1_000_000 + int64(i),
			Value:     buf[i*benchValueBytes : (i+1)*benchValueBytes : (i+1)*benchValueBytes],
			Timestamp: batch.Add(-time.Duration(benchRecords-i) * time.Millisecond),
		}
	}
	return p
}

// checkPassThrough fails unless res holds one output per record, with the
// record's value.
func checkPassThrough(b *testing.B, p sdk.Partition, res sdk.Result) {
	b.Helper()
	if len(res.Outputs) != len(p.Records) || len(res.Rejected) != 0 || len(res.Aggregates) != 0 {
		b.Fatalf("pass-through gave %d outputs, %d rejected, %d aggregates for %d records",
			len(res.Outputs), len(res.Rejected), len(res.Aggregates), len(p.Records))
	}
	for i, o := range res.Outputs {
		if o.Key != nil || !bytes.Equal(o.Value, p.Records[i].Value) {
			b.Fatalf("output %d = key %q value %x, want no key and the record's value %x", i, o.Key, o.Value, p.Records[i].Value)
		}
	}
}

// buildPassJob builds the pass-through job binary into a temporary
// directory and returns its path and SHA-256.
func buildPassJob(b *testing.B) (path, sum string) {
	b.Helper()
	path = filepath.Join(b.TempDir(), "passjob")
	out, err := exec.Command("go", "build", "-o", path, "github.com/spindlehq/spindle/sdk/testdata/passjob/cmd/passjob").CombinedOutput()
	if err != nil {
		b.Fatalf("go build passjob: %v\n%s", err, out)
	}
	bin, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	h := sha256.Sum256(bin)
	return path, hex.EncodeToString(h[:])
}

// noSource and noSink stand in for Kafka and the sink: the benchmarks
// call the job directly.
type noSource struct{}

func (noSource) ReadRangeEach(context.Context, kafkasource.OffsetRange, func(*kafkasource.Record)) error {
	return nil
}

type noSink struct{}

func (noSink) OpenPartition(context.Context, time.Time, string, int32, int) (sink.PartitionWriter, error) {
	return noSink{}, nil
}

func (noSink) WriteOutputs(context.Context, int, []sdk.Output) error    { return nil }
func (noSink) WriteRejected(context.Context, int, []sdk.Rejected) error { return nil }
func (noSink) Commit(context.Context) error                             { return nil }
func (noSink) Abort()                                                   {}

// startInProcess returns the pass-through job, configured, in the
// benchmark's own process.
func startInProcess(b *testing.B) *sdk.JobClient {
	b.Helper()
	c, err := sdk.NewInProcessClient(passjob.Job{}, sdk.DefaultInProcessConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Kill)
	if _, err := c.Configure(context.Background(), nil, nil); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkPluginBoundary measures records/s through the job plugin
// boundary: the pass-through job's binary started and configured as an
// executor starts it (SHA-256 checked), one ProcessPartition call per
// partition of 10,000 records of 100 bytes, with the records in memory
// shared with the plugin (the shipped path). In the same loop, call for
// call, a second plugin of the same binary gets the same partitions over
// its connection only (sdk.ClientConfig.ConnectionOnly, the path of a job
// built with an sdk without shared memory): speedup-over-connection is
// the ratio of the two, taken under the same load. ratio-to-in-process
// is the shipped path's throughput over that of the same job code called
// in-process, measured outside the benchmark's timer over inProcessCalls
// calls, half before the plugin's calls and half after.
func BenchmarkPluginBoundary(b *testing.B) {
	b.Logf("changed from the shipped defaults: %s=WARN for the job (its log is not measured)", sdk.ConfLogLevel)
	path, sum := buildPassJob(b)
	ctx := context.Background()
	r, err := NewJobRunner(ctx, JobRunnerConfig{
		JobPath: path, JobSHA256: sum,
		Conf:   map[string]string{sdk.ConfLogLevel: "WARN"},
		Reader: noSource{}, Sink: noSink{},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(r.Close)
	job, err := r.client(ctx)
	if err != nil {
		b.Fatal(err)
	}
	conn := startConnectionOnly(b, path, sum)
	inProcess := startInProcess(b)
	p := benchPartition()
	for _, c := range []*sdk.JobClient{job, conn, inProcess} {
		res, err := c.ProcessPartition(ctx, p)
		if err != nil {
			b.Fatal(err)
		}
		checkPassThrough(b, p, res)
	}
	inProcessTime := timeCalls(b, inProcess, p, inProcessCalls/2)

	b.SetBytes(benchRecords * benchValueBytes)
	b.ReportAllocs()
	var sharedTime, connTime time.Duration
	hostCPU, pluginCPU := processCPU(b, 0), processCPU(b, job.Pid())
	for b.Loop() {
		sharedTime += timeCalls(b, job, p, 1)
		b.StopTimer()
		connTime += timeCalls(b, conn, p, 1)
		b.StartTimer()
	}
	records := float64(b.N * benchRecords)
	// The host's CPU time includes the connection-only calls', which
	// ran in the same process.
	pluginCPU = processCPU(b, job.Pid()) - pluginCPU
	hostCPU = processCPU(b, 0) - hostCPU
	inProcessTime += timeCalls(b, inProcess, p, inProcessCalls-inProcessCalls/2)
	shared, overConn := records/sharedTime.Seconds(), records/connTime.Seconds()
	b.ReportMetric(shared, "records/s")
	b.ReportMetric(overConn, "connection-records/s")
	b.ReportMetric(shared/overConn, "speedup-over-connection")
	b.ReportMetric(shared/(float64(inProcessCalls*benchRecords)/inProcessTime.Seconds()), "ratio-to-in-process")
	// CPU time per record of the plugin on the shipped path, and of the
	// host for both paths' calls together: what the boundary costs
	// whatever else the machine runs.
	b.ReportMetric(float64(hostCPU.Nanoseconds())/records, "host-cpu-ns/record-both-paths")
	b.ReportMetric(float64(pluginCPU.Nanoseconds())/records, "plugin-cpu-ns/record")
}

// startConnectionOnly starts the job binary at path as a plugin whose
// records and outputs travel over its connection only.
func startConnectionOnly(b *testing.B, path, sum string) *sdk.JobClient {
	b.Helper()
	ctx := context.Background()
	cfg := sdk.DefaultClientConfig()
	cfg.Path, cfg.SHA256, cfg.AppLog, cfg.ConnectionOnly = path, sum, io.Discard, true
	c, err := sdk.NewClient(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Kill)
	if _, err := c.Configure(ctx, map[string]string{sdk.ConfLogLevel: "WARN"}, nil); err != nil {
		b.Fatal(err)
	}
	return c
}

// processCPU is the user and system CPU time process pid has used so far;
// pid 0 is this process.
func processCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	if pid == 0 {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatalf("CPU time of the plugin: %v", err)
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th, in clock ticks (100 a second).
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// timeCalls returns how long n ProcessPartition calls of p take.
func timeCalls(b *testing.B, c *sdk.JobClient, p sdk.Partition, n int) time.Duration {
	b.Helper()
	start := time.Now()
	for range n {
		if _, err := c.ProcessPartition(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

// BenchmarkInProcessJob measures records/s of the pass-through job's code
// called in the benchmark's own process, without the plugin boundary, over
// the same partitions as BenchmarkPluginBoundary.
func BenchmarkInProcessJob(b *testing.B) {
	ctx := context.Background()
	c := startInProcess(b)
	p := benchPartition()
	res, err := c.ProcessPartition(ctx, p)
	if err != nil {
		b.Fatal(err)
	}
	checkPassThrough(b, p, res)

	b.SetBytes(benchRecords * benchValueBytes)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ProcessPartition(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchRecords)/b.Elapsed().Seconds(), "records/s")
}
