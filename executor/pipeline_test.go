package executor_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/executor"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/sink"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveBinary()
	os.Exit(code)
}

// countingReader counts the records it hands out.
type countingReader struct {
	executor.RangeReader
	flight *inFlight
}

func (r countingReader) ReadRangeEach(ctx context.Context, rng kafkasource.OffsetRange, each func(*kafkasource.Record)) error {
	return r.RangeReader.ReadRangeEach(ctx, rng, func(rec *kafkasource.Record) {
		r.flight.add(1)
		each(rec)
	})
}

// inFlight tracks records read and not yet written, and its peak.
type inFlight struct {
	mu        sync.Mutex
	now, peak int
}

func (f *inFlight) add(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now += n
	f.peak = max(f.peak, f.now)
}

// countingSink subtracts each chunk's outputs from the records in flight
// (the pass-through job writes one output per record) and can fail the
// writes of one chunk.
type countingSink struct {
	sink.FileSink
	flight    *inFlight
	failChunk int
}

func (s countingSink) OpenPartition(ctx context.Context, bt time.Time, topic string, p int32, first int) (sink.PartitionWriter, error) {
	w, err := s.FileSink.OpenPartition(ctx, bt, topic, p, first)
	return countingWriter{PartitionWriter: w, s: s}, err
}

type countingWriter struct {
	sink.PartitionWriter
	s countingSink
}

var errSinkDown = errors.New("sink down")

func (w countingWriter) WriteOutputs(ctx context.Context, chunk int, outs []sdk.Output) error {
	if chunk == w.s.failChunk {
		return errSinkDown
	}
	// Written: a slow sink gives the reader every chance to run ahead.
	time.Sleep(time.Millisecond)
	defer w.s.flight.add(-len(outs))
	return w.PartitionWriter.WriteOutputs(ctx, chunk, outs)
}

type runnerFixture struct {
	broker *kafkatest.Broker
	store  *dfs.FileStore
	reader *kafkasource.Reader
}

func newRunnerFixture(t testing.TB, lines []string) runnerFixture {
	t.Helper()
	b := kafkatest.Start(t, map[string]int32{"lines": 1})
	b.Produce(t, "lines", 0, len(lines), func(i int) ([]byte, []byte) { return nil, []byte(lines[i]) })
	kcfg := kafkasource.DefaultConfig()
	kcfg.Brokers, kcfg.Topics = b.Addrs(), []string{"lines"}
	reader, err := kafkasource.NewReader(kcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reader.Close() })
	store, err := dfs.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return runnerFixture{broker: b, store: store, reader: reader}
}

func (f runnerFixture) runner(t testing.TB, pkg, name string, reader executor.RangeReader, out executor.OutputWriter) *executor.JobRunner {
	t.Helper()
	bin := testutil.Binary(t, pkg, name)
	r, err := executor.NewJobRunner(context.Background(), executor.JobRunnerConfig{
		JobPath: bin, JobSHA256: fileSHA256(t, bin), Conf: map[string]string{sdk.ConfLogLevel: "WARN"},
		Reader: reader, Sink: out,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// fileSHA256 is the hex SHA-256 of the file at path.
func fileSHA256(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func launch(until, chunk int64) *pb.LaunchTask {
	return &pb.LaunchTask{TaskId: "lines-0", BatchTimeUnixMs: 1_700_000_000_000, ChunkOffsets: chunk,
		Range: &pb.OffsetRange{Topic: "lines", Partition: 0, From: 0, Until: until}}
}

// TestTaskStreamsInChunksWithBoundedRecordsInFlight: a 5,000-record range
// in chunks of 100 offsets holds at most ChunksInFlight chunks at once,
// and the sink's file holds every record in order, as one unchunked call
// writes it.
func TestTaskStreamsInChunksWithBoundedRecordsInFlight(t *testing.T) {
	const n, chunk = 5000, 100
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("record %d", i)
	}
	f := newRunnerFixture(t, lines)
	flight := &inFlight{}
	fs := sink.FileSink{Store: f.store, Dir: "/out"}
	r := f.runner(t, "./sdk/testdata/passjob/cmd/passjob", "passjob", countingReader{RangeReader: f.reader, flight: flight}, countingSink{FileSink: fs, flight: flight, failChunk: -1})
	st := r.RunTask(context.Background(), launch(n, chunk))
	if !st.GetSucceeded() {
		t.Fatalf("task failed: %s", st.GetError())
	}
	if m := st.GetMetrics(); m.GetRecordsIn() != n || m.GetRecordsOut() != n {
		t.Fatalf("metrics %v, want %d records in and out", m, n)
	}
	if flight.peak > executor.ChunksInFlight*chunk {
		t.Fatalf("%d records were in flight at once, want at most %d", flight.peak, executor.ChunksInFlight*chunk)
	}
	if flight.peak <= chunk {
		t.Fatalf("at most %d records were in flight: the next chunk was not read while this one was processed and written", flight.peak)
	}
	got, err := f.store.ReadFile(context.Background(), fs.PartitionPath(time.UnixMilli(1_700_000_000_000), "lines", 0))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(lines, "\n") + "\n"; string(got) != want {
		t.Fatalf("the sink's file holds %d bytes, want the %d records in order (%d bytes)", len(got), n, len(want))
	}
}

// TestChunkedTaskCombinesAggregatesAndKeepsRejects: word counts over
// chunks come back one per word, reduced by the job across chunks, and
// every rejected record of every chunk reaches the dead-letter file.
func TestChunkedTaskCombinesAggregatesAndKeepsRejects(t *testing.T) {
	var lines []string
	for i := range 1000 {
		if i%100 == 7 {
			lines = append(lines, "   ")
			continue
		}
		lines = append(lines, "alpha beta")
	}
	f := newRunnerFixture(t, lines)
	fs := sink.FileSink{Store: f.store, Dir: "/out"}
	r := f.runner(t, "./examples/wordcount", "wordcount", f.reader, fs)
	st := r.RunTask(context.Background(), launch(1000, 64))
	if !st.GetSucceeded() {
		t.Fatalf("task failed: %s", st.GetError())
	}
	aggs := map[string]string{}
	for _, kv := range st.GetAggregates() {
		if _, dup := aggs[kv.GetKey()]; dup {
			t.Fatalf("key %q came back more than once: %v", kv.GetKey(), st.GetAggregates())
		}
		aggs[kv.GetKey()] = string(kv.GetValue())
	}
	if aggs["alpha"] != "990" || aggs["beta"] != "990" || len(aggs) != 2 {
		t.Fatalf("aggregates %v, want alpha and beta 990 each", aggs)
	}
	if st.GetMetrics().GetRecordsRejected() != 10 {
		t.Fatalf("%d rejected, want 10", st.GetMetrics().GetRecordsRejected())
	}
	dead, err := f.store.ReadFile(context.Background(), "/out/_deadletter/batch=1700000000000/part-lines-0")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(dead), "\n"); got != 10 {
		t.Fatalf("dead-letter file has %d lines, want 10:\n%s", got, dead)
	}
	// The outputs' counts add up over the chunks' lines.
	out, err := f.store.ReadFile(context.Background(), fs.PartitionPath(time.UnixMilli(1_700_000_000_000), "lines", 0))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		_, v, _ := strings.Cut(line, "\t")
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		total += n
	}
	if total != 1980 {
		t.Fatalf("output counts add up to %d, want 1980", total)
	}
}

// TestFailedChunkLeavesNoPartialFile: a write that fails half way through
// a task fails the task and leaves no file behind, so the retry writes it
// whole.
func TestFailedChunkLeavesNoPartialFile(t *testing.T) {
	lines := make([]string, 1000)
	for i := range lines {
		lines[i] = "x"
	}
	f := newRunnerFixture(t, lines)
	fs := sink.FileSink{Store: f.store, Dir: "/out"}
	r := f.runner(t, "./sdk/testdata/passjob/cmd/passjob", "passjob", f.reader, countingSink{FileSink: fs, flight: &inFlight{}, failChunk: 5})
	st := r.RunTask(context.Background(), launch(1000, 100))
	if st.GetSucceeded() || !strings.Contains(st.GetError(), errSinkDown.Error()) {
		t.Fatalf("task status %v, want it failed by the sink", st)
	}
	entries, err := f.store.List(context.Background(), "/out/batch=1700000000000")
	if err != nil && !errors.Is(err, dfs.ErrNotFound) {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Fatalf("a failed task left %v", entries)
	}
	// The retry, with the sink back, writes the file whole.
	r2 := f.runner(t, "./sdk/testdata/passjob/cmd/passjob", "passjob", f.reader, fs)
	if st := r2.RunTask(context.Background(), launch(1000, 100)); !st.GetSucceeded() {
		t.Fatalf("retry failed: %s", st.GetError())
	}
	got, err := f.store.ReadFile(context.Background(), fs.PartitionPath(time.UnixMilli(1_700_000_000_000), "lines", 0))
	if err != nil || len(got) != 2000 {
		t.Fatalf("retry wrote %d bytes (%v), want 2000", len(got), err)
	}
}

// TestSplitTaskWritesItsOwnFile: a task that runs a later part of a split
// partition writes its own file, named after its first chunk, beside the
// first part's.
func TestSplitTaskWritesItsOwnFile(t *testing.T) {
	lines := make([]string, 300)
	for i := range lines {
		lines[i] = fmt.Sprintf("r%d", i)
	}
	f := newRunnerFixture(t, lines)
	fs := sink.FileSink{Store: f.store, Dir: "/out"}
	r := f.runner(t, "./sdk/testdata/passjob/cmd/passjob", "passjob", f.reader, fs)
	part := &pb.LaunchTask{TaskId: "lines-0.2", BatchTimeUnixMs: 1_700_000_000_000, ChunkOffsets: 50, ChunkBase: 2,
		Range: &pb.OffsetRange{Topic: "lines", Partition: 0, From: 100, Until: 300}}
	if st := r.RunTask(context.Background(), part); !st.GetSucceeded() {
		t.Fatalf("task failed: %s", st.GetError())
	}
	got, err := f.store.ReadFile(context.Background(), "/out/batch=1700000000000/"+sink.PartFile("lines", 0, 2))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(lines[100:], "\n") + "\n"; string(got) != want {
		t.Fatalf("part file holds %q…, want records 100-299", string(got)[:min(len(got), 40)])
	}
	if ok, _ := f.store.Exists(context.Background(), fs.PartitionPath(time.UnixMilli(1_700_000_000_000), "lines", 0)); ok {
		t.Fatal("the later part wrote the first part's file")
	}
}
