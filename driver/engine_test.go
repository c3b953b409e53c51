package driver_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
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

func (r *sumRunner) RunTask(ctx context.Context, t *pb.LaunchTask) *pb.TaskStatus {
	r.tasks.Add(1)
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
}

// runEngine runs an engine with two in-process executors until every
// produced record is processed, and returns its state.
func (f fixture) runEngine(t *testing.T, total int64) (map[string][]byte, []driver.BatchInfo) {
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
	eng, err := driver.NewEngine(driver.EngineConfig{
		BatchDuration: 100 * time.Millisecond,
		Planner:       planner,
		Log:           log,
		Tasks:         taskscheduler.Config{LocalityWait: 10 * time.Millisecond, MaxFailures: 4},
		Endpoint:      ep,
		Job:           sumJob{},
		KeepState:     true,
		Stop:          func(context.Context) bool { return seen.Load() >= total },
		OnBatch:       func(b driver.BatchInfo) { seen.Add(b.Records); batches = append(batches, b) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := 1; i <= 2; i++ {
		reader, err := kafkasource.NewReader(kcfg)
		if err != nil {
			t.Fatal(err)
		}
		defer reader.Close()
		cfg := executor.DefaultConfig()
		cfg.DriverAddress, cfg.ExecutorID, cfg.Host, cfg.Cores = lis.Addr().String(), fmt.Sprint(i), "127.0.0.1", 2
		cfg.Runner = &sumRunner{reader: reader}
		go executor.Run(ctx, cfg)
	}
	if err := eng.Run(ctx); err != nil {
		t.Fatalf("engine: %v", err)
	}
	ep.Finish(true, "")
	return eng.State(), batches
}

// TestEngineProcessesEverythingOnceAcrossRestarts: the engine consumes 4
// partitions in batches; the state equals the produced totals; a restarted
// engine on the same checkpoint resumes after the last commit and an
// uncommitted batch is replayed with the same ranges.
func TestEngineProcessesEverythingOnceAcrossRestarts(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"events": 4})
	store, err := hdfscheckpoint.NewFileStore(t.TempDir())
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
