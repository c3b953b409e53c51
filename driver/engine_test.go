package driver_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/driver/taskscheduler"
	"github.com/spindlehq/spindle/executor"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// sumRunner reads its range from Kafka and sums the values per key, as a
// job's partial aggregates.
type sumRunner struct {
	reader *kafkasource.Reader
	tasks  atomic.Int64
}

// launchedChunks maps each launched batch time (ms) to the chunk size its
// tasks were given; launchedParts to how many tasks it launched whose
// range starts past the partition's first chunk (split ranges).
var launchedChunks, launchedParts, launchedTasks sync.Map

func (r *sumRunner) RunTask(ctx context.Context, t *pb.LaunchTask) *pb.TaskStatus {
	r.tasks.Add(1)
	launchedChunks.Store(t.GetBatchTimeUnixMs(), t.GetChunkOffsets())
	if t.GetChunkBase() > 0 {
		if _, again := launchedTasks.LoadOrStore(fmt.Sprintf("%d/%s", t.GetBatchTimeUnixMs(), t.GetTaskId()), true); !again {
			n, _ := launchedParts.LoadOrStore(t.GetBatchTimeUnixMs(), new(atomic.Int64))
			n.(*atomic.Int64).Add(1)
		}
	}
	rg := t.GetRange()
	recs, err := r.reader.ReadRange(ctx, kafkasource.OffsetRange{Topic: rg.GetTopic(), Partition: rg.GetPartition(), From: rg.GetFrom(), Until: rg.GetUntil()})
	if err != nil {
		return &pb.TaskStatus{Error: err.Error()}
	}
	sums := map[string]uint64{}
	for _, rec := range recs {
		sums[string(rec.Key)] += uint64(len(rec.Value))
	}
	st := &pb.TaskStatus{Succeeded: true, Metrics: &pb.TaskMetrics{RecordsIn: int64(len(recs))}}
	for k, v := range sums {
		st.Aggregates = append(st.Aggregates, &pb.KeyValue{Key: k, Value: binary.AppendUvarint(nil, v)})
	}
	return st
}

// sumJob keeps running totals per key as state.
type sumJob struct{}

func (sumJob) Reduce(_ context.Context, groups []sdk.KeyValues) ([]sdk.KeyValue, error) {
	out := make([]sdk.KeyValue, len(groups))
	for i, g := range groups {
		out[i] = sdk.KeyValue{Key: g.Key, Value: binary.AppendUvarint(nil, sum(g.Values))}
	}
	return out, nil
}

func (sumJob) UpdateState(_ context.Context, _ time.Time, in []sdk.StateInput) ([]sdk.StateOutput, error) {
	out := make([]sdk.StateOutput, len(in))
	for i, s := range in {
		old, _ := binary.Uvarint(s.Old)
		out[i] = sdk.StateOutput{Key: s.Key, State: binary.AppendUvarint(nil, old+sum(s.Values)), Keep: true}
	}
	return out, nil
}

func sum(values [][]byte) uint64 {
	var total uint64
	for _, v := range values {
		n, _ := binary.Uvarint(v)
		total += n
	}
	return total
}

type fixture struct {
	broker *kafkatest.Broker
	store  hdfscheckpoint.Store
	dir    string
	// executors starts the executors once the driver serves at addr; nil
	// starts two in-process executors of 2 cores summing their ranges.
	executors func(ctx context.Context, t *testing.T, addr string, kcfg kafkasource.Config)
}

// startExecutor runs an in-process executor with id until ctx ends; edit
// changes its configuration (runner, timings) before it starts.
func startExecutor(ctx context.Context, t *testing.T, id, addr string, kcfg kafkasource.Config, edit func(*executor.Config)) {
	t.Helper()
	reader, err := kafkasource.NewReader(kcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reader.Close() })
	cfg := executor.DefaultConfig()
	cfg.DriverAddress, cfg.ExecutorID, cfg.Host, cfg.Cores = addr, id, "127.0.0.1", 2
	cfg.Runner = &sumRunner{reader: reader}
	if edit != nil {
		edit(&cfg)
	}
	go executor.Run(ctx, cfg)
}

// runEngine runs an engine with the fixture's executors until every
// produced record is processed, and returns its state.
// Options change the engine's configuration before it starts.
func (f fixture) runEngine(t *testing.T, total int64, options ...func(*driver.EngineConfig)) (map[string][]byte, []driver.BatchInfo) {
	t.Helper()
	state, batches, err := f.tryEngine(t, total, options...)
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	return state, batches
}

// tryEngine is runEngine returning the engine's error.
func (f fixture) tryEngine(t *testing.T, total int64, options ...func(*driver.EngineConfig)) (map[string][]byte, []driver.BatchInfo, error) {
	t.Helper()
	ep := driver.NewEndpoint()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	pb.RegisterTaskServer(srv, ep)
	go srv.Serve(lis)
	defer srv.Stop()

	kcfg := kafkasource.DefaultConfig()
	kcfg.Brokers, kcfg.Topics = f.broker.Addrs(), []string{"events"}
	kcfg.AutoOffsetReset = "earliest"
	planner, err := kafkasource.NewPlanner(kcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer planner.Close()
	log, err := hdfscheckpoint.NewLog(f.store, f.dir, 10, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	var seen atomic.Int64
	var batches []driver.BatchInfo
	ecfg := driver.EngineConfig{
		BatchDuration: 100 * time.Millisecond,
		Planner:       planner,
		Log:           log,
		Tasks:         taskscheduler.Config{LocalityWait: 10 * time.Millisecond, MaxFailures: 4},
		Endpoint:      ep,
		Job:           sumJob{},
		KeepState:     true,
		Stop:          func(context.Context) bool { return seen.Load() >= total },
		OnBatch:       func(b driver.BatchInfo) { seen.Add(b.Records); batches = append(batches, b) },
	}
	for _, o := range options {
		o(&ecfg)
	}
	eng, err := driver.NewEngine(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if f.executors != nil {
		f.executors(ctx, t, lis.Addr().String(), kcfg)
	} else {
		for _, id := range []string{"1", "2"} {
			startExecutor(ctx, t, id, lis.Addr().String(), kcfg, nil)
		}
	}
	if err := eng.Run(ctx); err != nil {
		return nil, batches, err
	}
	ep.Finish(true, "")
	return eng.State(), batches, nil
}

// TestEngineProcessesEverythingOnceAcrossRestarts: the engine consumes 4
// partitions in batches; the state equals the produced totals; a restarted
// engine on the same checkpoint resumes after the last commit and an
// uncommitted batch is replayed with the same ranges.
func TestEngineProcessesEverythingOnceAcrossRestarts(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"events": 4})
	store, err := dfs.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{broker: b, store: store, dir: "/checkpoint"}
	want := map[string]uint64{}
	produce := func(n int) {
		for p := int32(0); p < 4; p++ {
			b.Produce(t, "events", p, n, func(i int) ([]byte, []byte) {
				k := fmt.Sprintf("k%d", (i+int(p))%5)
				v := make([]byte, 1+i%7)
				want[k] += uint64(len(v))
				return []byte(k), v
			})
		}
	}
	check := func(state map[string][]byte) {
		t.Helper()
		for k, w := range want {
			got, _ := binary.Uvarint(state[k])
			if got != w {
				t.Fatalf("state[%s] = %d, want %d (all: %d keys)", k, got, w, len(state))
			}
		}
	}
	produce(500)
	state, batches := f.runEngine(t, 2000)
	check(state)
	if len(batches) < 1 {
		t.Fatal("no batches")
	}
	// A batch whose offsets were written but not committed (a driver that
	// died mid-batch) is replayed with the same ranges on restart.
	produce(250)
	log, _ := hdfscheckpoint.NewLog(store, f.dir, 10, zap.NewNop())
	rec, err := log.Recover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var pending []hdfscheckpoint.OffsetRange
	for _, r := range rec.LastCommittedOffsets.Ranges {
		pending = append(pending, hdfscheckpoint.OffsetRange{Topic: r.Topic, Partition: r.Partition, From: r.Until, Until: r.Until + 100})
	}
	if err := log.WriteOffsets(context.Background(), hdfscheckpoint.BatchOffsets{BatchTime: rec.NextBatchTime.Add(time.Second), Ranges: pending}); err != nil {
		t.Fatal(err)
	}
	state, batches = f.runEngine(t, 1000)
	check(state)
	if !batches[0].Replayed || batches[0].Records != 400 {
		t.Fatalf("first batch after restart: %+v, want the pending batch replayed with its 400 records", batches[0])
	}
}

// produceSums produces n records to each of the 4 partitions of events and
// adds their value lengths to want (if not nil).
func produceSums(t *testing.T, b *kafkatest.Broker, n int, want map[string]uint64) {
	t.Helper()
	for p := int32(0); p < 4; p++ {
		b.Produce(t, "events", p, n, func(i int) ([]byte, []byte) {
			k, v := sumRecord(p, i)
			if want != nil {
				want[k] += uint64(len(v))
			}
			return []byte(k), v
		})
	}
}

// sumRecord is record i of partition p as produceSums writes it.
func sumRecord(p int32, i int) (string, []byte) {
	return fmt.Sprintf("k%d", (i+int(p))%5), make([]byte, 1+i%7)
}

// addSums adds to want what produceSums(n) will produce.
func addSums(n int, want map[string]uint64) {
	for p := int32(0); p < 4; p++ {
		for i := range n {
			k, v := sumRecord(p, i)
			want[k] += uint64(len(v))
		}
	}
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	store, err := dfs.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return fixture{broker: kafkatest.Start(t, map[string]int32{"events": 4}), store: store, dir: "/checkpoint"}
}

// TestEngineReportsStagesAndPartitions: every batch reports the time of
// each stage and each partition's range with the broker's latest offset.
func TestEngineReportsStagesAndPartitions(t *testing.T) {
	f := newFixture(t)
	produceSums(t, f.broker, 300, nil)
	_, batches := f.runEngine(t, 1200)
	stages := []string{driver.StagePlan, driver.StageOffsets, driver.StageRead, driver.StageProcess, driver.StageWrite, driver.StageState, driver.StageCommit}
	var records int64
	for _, b := range batches {
		var names []string
		for _, s := range b.Stages {
			names = append(names, s.Stage)
			if s.Duration < 0 {
				t.Errorf("batch %v: stage %s took %v", b.Time, s.Stage, s.Duration)
			}
		}
		if fmt.Sprint(names) != fmt.Sprint(stages) {
			t.Errorf("batch %v stages %v, want %v", b.Time, names, stages)
		}
		if len(b.Partitions) != 4 {
			t.Fatalf("batch %v: %d partitions, want 4", b.Time, len(b.Partitions))
		}
		for _, p := range b.Partitions {
			records += p.Until - p.From
			if p.Latest < p.Until || p.Lag() != p.Latest-p.Until {
				t.Errorf("batch %v partition %d: range [%d, %d) latest %d lag %d", b.Time, p.Partition, p.From, p.Until, p.Latest, p.Lag())
			}
		}
		if b.Started.Before(b.Time) || b.Finished.Before(b.Started) || b.TotalDelay() != b.SchedulingDelay+b.ProcessingDelay {
			t.Errorf("batch %v: started %v finished %v total delay %v", b.Time, b.Started, b.Finished, b.TotalDelay())
		}
	}
	if records != 1200 {
		t.Fatalf("partition ranges cover %d records, want 1200", records)
	}
}

// slowFirstState is sumJob whose first state update takes longer than
// three batch intervals, as a batch running late does.
type slowFirstState struct {
	sumJob
	delay time.Duration
	calls atomic.Int64
}

func (j *slowFirstState) UpdateState(ctx context.Context, at time.Time, in []sdk.StateInput) ([]sdk.StateOutput, error) {
	if j.calls.Add(1) == 1 {
		time.Sleep(j.delay)
	}
	return j.sumJob.UpdateState(ctx, at, in)
}

// TestEngineLateBatchQueuesTheNextOnes: a batch that runs three intervals
// late makes the next batches wait; none is dropped (batch times follow
// each other one interval apart) and the delay shows as scheduling delay.
func TestEngineLateBatchQueuesTheNextOnes(t *testing.T) {
	f := newFixture(t)
	want := map[string]uint64{}
	produceSums(t, f.broker, 200, want)
	const interval = 100 * time.Millisecond
	job := &slowFirstState{delay: 4 * interval}
	var stopAfter atomic.Int64
	state, batches := f.runEngine(t, 0, func(c *driver.EngineConfig) {
		c.Job = job
		c.Stop = func(context.Context) bool { return stopAfter.Load() >= 6 }
		on := c.OnBatch
		c.OnBatch = func(b driver.BatchInfo) { on(b); stopAfter.Add(1) }
	})
	for k, w := range want {
		if got, _ := binary.Uvarint(state[k]); got != w {
			t.Fatalf("state[%s] = %d, want %d", k, got, w)
		}
	}
	if len(batches) < 6 {
		t.Fatalf("%d batches, want at least 6", len(batches))
	}
	for i := 1; i < len(batches); i++ {
		if gap := batches[i].Time.Sub(batches[i-1].Time); gap != interval {
			t.Fatalf("batch %d is %v after batch %d, want %v: a batch was dropped or doubled", i, gap, i-1, interval)
		}
	}
	if d := batches[1].SchedulingDelay; d < 2*interval {
		t.Fatalf("the batch after the late one waited %v, want at least %v", d, 2*interval)
	}
}

// TestEngineReportsOffsetsDeletedByRetention: offsets deleted before the
// stream read them are reported on the batch (where it resumed, how many
// were lost), and the stream goes on from the earliest offset.
func TestEngineReportsOffsetsDeletedByRetention(t *testing.T) {
	f := newFixture(t)
	produceSums(t, f.broker, 100, nil)
	f.runEngine(t, 400)
	produceSums(t, f.broker, 100, nil)
	f.broker.DeleteRecords(t, "events", 0, 150)
	_, batches := f.runEngine(t, 350)
	ev := batches[0].OutOfRange
	if len(ev) != 1 || ev[0].Partition != 0 || ev[0].Offset != 100 || ev[0].ResetTo != 150 || ev[0].Lost != 50 {
		t.Fatalf("first batch out-of-range events %+v, want partition 0 reset from 100 to 150 with 50 lost", ev)
	}
	if p := batches[0].Partitions[0]; p.From != 150 {
		t.Fatalf("partition 0 resumed at %d, want 150", p.From)
	}
}
