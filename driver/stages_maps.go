package driver

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/driver/taskscheduler"
	"go.uber.org/zap"
)

// batchMaps are one batch's map tasks and where their outputs are: the
// lineage that writes a lost output again.
type batchMaps struct {
	ms int64
	// prevMs is the batch before it (0 for none), which decides whether
	// it ends a window or takes a state checkpoint.
	prevMs int64
	// ranges are the map tasks' ranges, by map index; chunkOffsets their
	// chunk size.
	ranges       []taskRange
	ids          []string
	index        map[string]int
	chunkOffsets int64
	// outputs holds each map task's output; nil while it has none.
	outputs []*pb.MapOutput
	// records and bytes count what the batch's map tasks wrote.
	records, bytes int64
}

// missing lists the map tasks whose outputs are lost or not written.
func (b *batchMaps) missing() []int {
	var out []int
	for i, o := range b.outputs {
		if o == nil {
			out = append(out, i)
		}
	}
	return out
}

// outputsFor are the batch's map outputs as a reduce task is given them:
// a lost one with no address, so that a task that needs it reports it.
func (b *batchMaps) outputsFor() []*pb.MapOutput {
	out := make([]*pb.MapOutput, len(b.outputs))
	for i, o := range b.outputs {
		if o == nil {
			o = &pb.MapOutput{BatchMs: b.ms, MapIndex: int32(i)}
		}
		out[i] = o
	}
	return out
}

// planMaps records a batch's map tasks, numbered in task order.
func (s *stageRunner) planMaps(batchMs int64, tasks []taskscheduler.Task, byID map[string]taskRange, chunkOffsets int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := &batchMaps{ms: batchMs, prevMs: s.lastMs, index: map[string]int{}, chunkOffsets: chunkOffsets, outputs: make([]*pb.MapOutput, len(tasks))}
	for i, t := range tasks {
		b.ranges = append(b.ranges, byID[t.ID])
		b.ids = append(b.ids, t.ID)
		b.index[t.ID] = i
	}
	s.maps[batchMs] = b
}

// recordMaps takes the map outputs of a batch's map tasks.
func (s *stageRunner) recordMaps(batchMs int64, results map[string]*pb.TaskStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.maps[batchMs]
	if b == nil {
		return
	}
	for id, st := range results {
		if i, ok := b.index[id]; ok && st.GetMapOutput() != nil {
			b.outputs[i] = st.GetMapOutput()
			b.records += st.GetShuffle().GetRecordsWritten()
			b.bytes += st.GetShuffle().GetBytesWritten()
		}
	}
}

// lose forgets every map output served first from addr, of any batch,
// and returns how many: a fetch failure there means its node (with the
// shuffle service) or its executor (without) is gone.
func (s *stageRunner) lose(addr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loseLocked(addr)
}

func (s *stageRunner) loseLocked(addr string) int {
	n := 0
	for _, b := range s.maps {
		for i, o := range b.outputs {
			if o != nil && len(o.GetAddresses()) > 0 && o.GetAddresses()[0] == addr {
				b.outputs[i] = nil
				n++
			}
		}
	}
	return n
}

// loseMaps forgets the named map outputs.
func (s *stageRunner) loseMaps(maps []*pb.MapOutput) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range maps {
		if b := s.maps[m.GetBatchMs()]; b != nil && int(m.GetMapIndex()) < len(b.outputs) {
			b.outputs[m.GetMapIndex()] = nil
		}
	}
}

// recomputeTask is one lost map output to write again.
type recomputeTask struct {
	batchMs int64
	index   int
}

// ensureMaps runs again, from their offset ranges, the map tasks of the
// given batches whose outputs are lost: lineage recompute. Their outputs
// and dead letters were written when the batch first ran, and are not
// written again; only the map outputs are.
func (s *stageRunner) ensureMaps(ctx context.Context, e *Engine, batchTime time.Time, batches []int64) (int, error) {
	s.mu.Lock()
	byID := map[string]recomputeTask{}
	var tasks []taskscheduler.Task
	for _, ms := range batches {
		b := s.maps[ms]
		if b == nil {
			continue
		}
		for _, i := range b.missing() {
			id := strconv.FormatInt(ms, 10) + "/" + b.ids[i]
			r := b.ranges[i]
			tasks = append(tasks, taskscheduler.Task{ID: id, Partition: r.partitionName()})
			byID[id] = recomputeTask{batchMs: ms, index: i}
		}
	}
	s.mu.Unlock()
	if len(tasks) == 0 {
		return 0, nil
	}
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].ID < tasks[j].ID })
	s.lg.Warn("running map tasks again from their offsets: their map outputs are lost", zap.Int("tasks", len(tasks)), zap.Int64s("batches", batches))
	results, err := e.runTaskSet(ctx, batchTime, tasks, func(a taskscheduler.Assignment) *pb.LaunchTask {
		return s.recomputeLaunch(a, byID[a.TaskID])
	})
	if err != nil {
		return 0, fmt.Errorf("driver: write lost map outputs again: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, st := range results {
		rt := byID[id]
		if b := s.maps[rt.batchMs]; b != nil && st.GetMapOutput() != nil {
			b.outputs[rt.index] = st.GetMapOutput()
		}
	}
	return len(tasks), nil
}

// recomputeLaunch is the launch of a lost map output's task.
func (s *stageRunner) recomputeLaunch(a taskscheduler.Assignment, rt recomputeTask) *pb.LaunchTask {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.maps[rt.batchMs]
	r := b.ranges[rt.index]
	return &pb.LaunchTask{
		TaskId: a.TaskID, Attempt: int32(a.Attempt), Tid: a.TID, BatchTimeUnixMs: rt.batchMs,
		Range:        &pb.OffsetRange{Topic: r.Topic, Partition: r.Partition, From: r.From, Until: r.Until},
		ChunkOffsets: b.chunkOffsets, ChunkBase: int32(r.base),
		Map: &pb.MapTask{MapIndex: int32(rt.index), Partitions: s.partitions, Recompute: true},
	}
}
