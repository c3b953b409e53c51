package executor

import (
	"context"
	"errors"
	"fmt"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/statestore"
	"github.com/spindlehq/spindle/streaming/sink"
	"go.uber.org/zap"
)

// runReduce runs one reduce partition of one keyed stage for a batch: it
// makes sure the executor holds the partition's state as of the batch
// before (rebuilding it from a checkpoint and the batches after it when
// it does not), fetches the batch's map outputs, runs the stage over each
// key in key order, writes the outputs, and keeps the new state,
// checkpointing it when the driver asks. Map outputs it cannot fetch are
// reported for the driver to run again, not as a failure.
func (r *JobRunner) runReduce(ctx context.Context, t *pb.LaunchTask) *pb.TaskStatus {
	fail := func(format string, a ...any) *pb.TaskStatus {
		return &pb.TaskStatus{Error: fmt.Sprintf("task %s: ", t.GetTaskId()) + fmt.Sprintf(format, a...)}
	}
	cfg := r.cfg.Stages
	if cfg == nil {
		return fail("this executor was started without keyed stages")
	}
	job, err := r.client(ctx)
	if err != nil {
		return fail("%v", err)
	}
	rt := t.GetReduce()
	specs := job.Stages()
	if int(rt.GetStage()) >= len(specs) || rt.GetStage() < 0 {
		return fail("keyed stage %d, but the job declares %d", rt.GetStage(), len(specs))
	}
	batchTime := time.UnixMilli(t.GetBatchTimeUnixMs()).UTC()
	red := &reducer{
		cfg: cfg, job: job, lg: r.lg, spec: specs[rt.GetStage()], stage: int(rt.GetStage()),
		partition: int(rt.GetPartition()), partitions: int(rt.GetPartitions()), metrics: &pb.ShuffleMetrics{},
	}
	id := statestore.PartitionID{Stage: red.spec.Name, Partition: red.partition}
	plan := rt.GetState()
	if red.spec.State != sdk.StateNone {
		red.part = cfg.State.Lock(id)
		defer red.part.Unlock()
		if err := red.part.Begin(plan.GetBaseMs()); errors.Is(err, statestore.ErrNoVersion) {
			if st := red.restore(ctx, t, plan); st != nil {
				return st
			}
			if err := red.part.Begin(plan.GetBaseMs()); err != nil {
				return fail("state of %s partition %d rebuilt to batch %d, but the task starts from batch %d", id.Stage, id.Partition, red.part.Version(), plan.GetBaseMs())
			}
		}
	}
	if red.spec.Kind == sdk.KindJoinTable {
		if red.table, err = cfg.Tables.Rows(ctx, job, red.stage, red.spec.Table, red.partition, red.partitions); err != nil {
			return fail("%v", err)
		}
	}
	blocks, n, err := fetchBlocks(ctx, cfg.Fetcher, rt.GetMaps(), red.stage, red.partition)
	if st := fetchStatus(err); st != nil {
		return st
	} else if err != nil {
		return fail("%v", err)
	}
	red.metrics.BytesRead += n
	w, err := r.sinkFor(t)
	if err != nil {
		return fail("%v", err)
	}
	out, err := w.OpenPartition(ctx, batchTime, reduceTaskName(red.spec.Name), rt.GetPartition(), 0)
	if err != nil {
		return fail("%v", err)
	}
	if err := red.apply(ctx, batchTime, blocks, rt.GetWindowEnd(), out); err != nil {
		out.Abort()
		return fail("%s partition %d: %v", red.spec.Name, red.partition, err)
	}
	if err := out.Commit(ctx); err != nil {
		return fail("%v", err)
	}
	if red.part != nil {
		red.part.Commit(t.GetBatchTimeUnixMs())
		red.metrics.StateKeys, red.metrics.StateBytes = sizeOf(red.part)
		if plan.GetCheckpoint() {
			size, err := statestore.Write(ctx, cfg.Checkpoint, cfg.CheckpointDir, id, t.GetBatchTimeUnixMs(), red.part.Snapshot())
			if err != nil {
				return fail("%v", err)
			}
			red.metrics.CheckpointBytes = int64(size)
			if err := statestore.Prune(ctx, cfg.Checkpoint, cfg.CheckpointDir, id, plan.GetKeepFromMs()); err != nil {
				r.lg.Warn("remove old state checkpoints", zap.String("stage", id.Stage), zap.Int("partition", id.Partition), zap.Error(err))
			}
		}
	}
	return &pb.TaskStatus{Succeeded: true, Shuffle: red.metrics, Metrics: &pb.TaskMetrics{
		RecordsIn: red.metrics.RecordsRead, RecordsOut: red.outputs, ProcessNanos: red.process.Nanoseconds(), WriteNanos: red.write.Nanoseconds(),
	}}
}

// fetchStatus is the status of a task that could not fetch map outputs;
// nil for any other error.
func fetchStatus(err error) *pb.TaskStatus {
	var ff *fetchFailure
	if !errors.As(err, &ff) {
		return nil
	}
	return &pb.TaskStatus{Error: ff.Error(), FetchFailed: ff.failed}
}

func sizeOf(p *statestore.Partition) (int64, int64) {
	k, b := p.Size()
	return int64(k), b
}

// restore rebuilds the partition's state as of plan's base batch: from
// the newest checkpoint that can be read, then through each batch after
// it, whose map outputs it fetches again. It returns the task's status
// when it cannot.
func (red *reducer) restore(ctx context.Context, t *pb.LaunchTask, plan *pb.StatePlan) *pb.TaskStatus {
	start := time.Now()
	id := statestore.PartitionID{Stage: red.spec.Name, Partition: red.partition}
	from, loaded := int64(0), false
	for _, c := range plan.GetCheckpoints() {
		data, err := statestore.Read(ctx, red.cfg.Checkpoint, red.cfg.CheckpointDir, id, c)
		if err == nil {
			red.part.Reset(c, data)
			from, loaded = c, true
			break
		}
		red.lg.Warn("state checkpoint cannot be read; trying an older one", zap.String("stage", id.Stage), zap.Int("partition", id.Partition), zap.Int64("batch", c), zap.Error(err))
	}
	if !loaded {
		if len(plan.GetCheckpoints()) > 0 {
			return &pb.TaskStatus{Error: fmt.Sprintf("task %s: none of the state checkpoints of %s partition %d (batches %v) can be read, and the batches before them are gone", t.GetTaskId(), id.Stage, id.Partition, plan.GetCheckpoints())}
		}
		red.part.Reset(0, nil)
	}
	replayed := 0
	for _, rb := range plan.GetReplay() {
		if rb.GetBatchMs() <= from {
			continue
		}
		blocks, _, err := fetchBlocks(ctx, red.cfg.Fetcher, rb.GetMaps(), red.stage, red.partition)
		if st := fetchStatus(err); st != nil {
			return st
		} else if err != nil {
			return &pb.TaskStatus{Error: fmt.Sprintf("task %s: rebuild state: %v", t.GetTaskId(), err)}
		}
		if err := red.part.Begin(red.part.Version()); err != nil {
			return &pb.TaskStatus{Error: fmt.Sprintf("task %s: rebuild state: %v", t.GetTaskId(), err)}
		}
		if err := red.apply(ctx, time.UnixMilli(rb.GetBatchMs()).UTC(), blocks, rb.GetWindowEnd(), nil); err != nil {
			return &pb.TaskStatus{Error: fmt.Sprintf("task %s: rebuild state through batch %d: %v", t.GetTaskId(), rb.GetBatchMs(), err)}
		}
		red.part.Commit(rb.GetBatchMs())
		replayed++
	}
	red.metrics.Restored, red.metrics.RestoredFromMs, red.metrics.ReplayedBatches = true, from, int32(replayed)
	red.metrics.RestoreNanos = time.Since(start).Nanoseconds()
	red.lg.Info("state rebuilt", zap.String("stage", id.Stage), zap.Int("partition", id.Partition), zap.Int64("checkpoint", from),
		zap.Int("replayed", replayed), zap.Int64("version", red.part.Version()), zap.Duration("took", time.Since(start)))
	return nil
}

// reducer runs one reduce partition of a keyed stage.
type reducer struct {
	cfg                          *StagesConfig
	job                          *sdk.JobClient
	lg                           *zap.Logger
	spec                         sdk.StageSpec
	stage, partition, partitions int
	// part is the partition's state, locked, for a stage with state.
	part *statestore.Partition
	// table holds a JoinTable stage's rows of the partition's keys.
	table   map[string][]byte
	metrics *pb.ShuffleMetrics
	// outputs, process and write sum over the batches applied with a
	// sink.
	outputs        int64
	process, write time.Duration
}

// apply runs the stage over one batch's blocks and the partition's state:
// out takes the outputs, or nil while the state is rebuilt.
func (red *reducer) apply(ctx context.Context, batchTime time.Time, blocks [][]byte, windowEnd bool, out sink.PartitionWriter) error {
	k := newKeyWalk(red, batchTime, windowEnd, mergedGroups(blocks))
	chunk := 0
	for {
		call, err := k.nextCall()
		if err != nil {
			return err
		}
		if call == nil {
			return nil
		}
		call.Emit = out != nil
		t := time.Now()
		res, err := red.job.ReduceKeys(ctx, *call)
		red.process += time.Since(t)
		if err != nil {
			return err
		}
		if err := k.keep(call, res); err != nil {
			return err
		}
		if out == nil {
			continue
		}
		t = time.Now()
		if err := out.WriteOutputs(ctx, chunk, res.Outputs); err != nil {
			return err
		}
		red.write += time.Since(t)
		red.outputs += int64(len(res.Outputs))
		chunk++
	}
}
