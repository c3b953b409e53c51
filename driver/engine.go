package driver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver/taskscheduler"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/ratecontrol"
	"go.uber.org/zap"
)

// Job is the job's driver side (sdk.JobClient): it combines keyed partial
// aggregates across partitions and keeps state across batches.
type Job interface {
	Reduce(ctx context.Context, groups []sdk.KeyValues) ([]sdk.KeyValue, error)
	UpdateState(ctx context.Context, batchTime time.Time, keys []sdk.StateInput) ([]sdk.StateOutput, error)
}

// Planner fixes each batch's offset ranges (kafkasource.Planner).
type Planner interface {
	Plan(ctx context.Context, in kafkasource.PlanInput) (kafkasource.Plan, error)
}

// EngineConfig configures the micro-batch engine.
type EngineConfig struct {
	// BatchDuration is the time between batch starts.
	BatchDuration time.Duration
	// Planner fixes offset ranges.
	Planner Planner
	// Rate is the backpressure rate controller (may be disabled).
	Rate *ratecontrol.RateController
	// Log is the checkpoint (offsets, commits, state).
	Log *hdfscheckpoint.Log
	// Tasks configures task scheduling (spark.locality.wait,
	// spark.task.maxFailures, spindle.task.timeout).
	Tasks taskscheduler.Config
	// Endpoint is where executors connect.
	Endpoint *Endpoint
	// NetworkTimeout is spark.network.timeout, given to the endpoint: an
	// executor silent this long is lost. 0 leaves the endpoint's.
	NetworkTimeout time.Duration
	// Job reduces aggregates and keeps state; nil = the job has none.
	Job Job
	// KeepState: the job updates state across batches (updateStateByKey);
	// otherwise aggregates are only reduced per batch.
	KeepState bool
	// OnReduced is given each batch's reduced aggregates when the job keeps
	// no state.
	OnReduced func(batchTime time.Time, reduced []sdk.KeyValue)
	// Stop, when it returns true, makes the engine finish the batches it
	// has queued and return (graceful stop: marker file or SIGTERM).
	Stop func(ctx context.Context) bool
	// OnBatchStarted is told of every batch once its offsets are written,
	// before its tasks run: Time, Started and Partitions (the lag monitor
	// measures from the ranges' starts while the batch runs).
	OnBatchStarted func(BatchInfo)
	// OnBatch is told of every completed batch (metrics, live lines).
	OnBatch func(BatchInfo)
	// OnEvent is told of every executor event after the engine has handled
	// it (the Streaming tab's executors and their tasks).
	OnEvent func(Event)
	// Epoch is the attempt whose fence guards the checkpoint and the sink
	// (appattempt_…); every task carries it. Empty: not fenced.
	Epoch string
	// Committer, when set, is given each partition's next offset after the
	// batch's commit (the Kafka consumer group, so that lag monitors see
	// the stream's progress). Its errors are logged, never fatal: the
	// checkpoint, not the group, is where the stream resumes.
	Committer OffsetCommitter
	// ChunkOffsets is the chunk size, in offsets, executors read, process
	// and write new batches' ranges in (ChunkOffsets(conf)); 0 runs each
	// range as one chunk. A replayed batch keeps the size it was planned
	// with.
	ChunkOffsets int64
	// Stages runs the job's keyed stages on the executors: map tasks write
	// map outputs, a reduce stage per batch fetches them; nil for a job
	// without keyed stages.
	Stages *StagesConfig
	// MinTasks is spindle.kafka.minPartitions: new batches with fewer
	// ranges than this have their largest ranges split, at chunk
	// boundaries; 0 means the executors' free cores when the batch is
	// planned. A replayed batch keeps the split it was planned with.
	MinTasks int
	// Receivers configures the job's receivers; nil when it has none.
	// A job with receivers may have no Planner (it reads no Kafka).
	Receivers *ReceiversConfig
	// Logger receives the engine's log.
	Logger *zap.Logger
}

// OffsetCommitter records how far the stream has read
// (kafkasource.GroupCommitter).
type OffsetCommitter interface {
	CommitOffsets(ctx context.Context, next map[kafkasource.TopicPartition]int64) error
}

// BatchInfo describes a completed batch, as Spark's BatchInfo.
type BatchInfo struct {
	// Time is the batch time (its id).
	Time time.Time
	// Started and Finished bound the batch's processing.
	Started, Finished time.Time
	// Records were read, Rejected went to the dead-letter output, Outputs
	// went to the sink.
	Records, Rejected, Outputs int64
	// SchedulingDelay is from the batch time to its start; ProcessingDelay
	// from its start to its commit. Their sum is Spark's total delay.
	SchedulingDelay, ProcessingDelay time.Duration
	// RateLimit is the rate (records/s) the batch was planned with; 0 = none.
	RateLimit float64
	// Lag is how many records were left in Kafka after the batch's ranges.
	Lag int64
	// Replayed is set for a batch run again from its offsets entry after a
	// restart.
	Replayed bool
	// Stages is the time spent in each stage: the driver's (plan, offsets,
	// state, commit) as wall time, the tasks' (read, process, write)
	// summed over tasks.
	Stages []StageTime
	// Partitions holds each partition's range and the latest offset the
	// broker held when the batch was planned (unknown, -1, for a replay).
	Partitions []PartitionProgress
	// OutOfRange lists partitions whose next offsets retention had
	// already deleted (or that were past the end), with where reading
	// resumed.
	OutOfRange []kafkasource.OutOfRangeEvent
}

// TotalDelay is the scheduling delay plus the processing time.
func (b BatchInfo) TotalDelay() time.Duration { return b.SchedulingDelay + b.ProcessingDelay }

// Stage names in BatchInfo.Stages.
const (
	StagePlan    = "plan"
	StageOffsets = "offsets"
	StageRead    = "read"
	StageProcess = "process"
	StageWrite   = "write"
	StageState   = "state"
	// StageReduce is the keyed stages' reduce tasks, lineage recompute
	// included.
	StageReduce = "reduce"
	StageCommit = "commit"
)

// StageTime is the time one stage of a batch took.
type StageTime struct {
	Stage    string
	Duration time.Duration
}

// PartitionProgress is one partition's part of a batch.
type PartitionProgress struct {
	Topic     string
	Partition int32
	// From and Until bound the batch's range.
	From, Until int64
	// Latest is the broker's next offset at planning time; -1 if unknown.
	Latest int64
}

// Lag is how many records the partition had left after the batch's
// range, or -1 if unknown.
func (p PartitionProgress) Lag() int64 {
	if p.Latest < 0 {
		return -1
	}
	return max(0, p.Latest-p.Until)
}

// Engine runs micro-batches: plan → offsets log → tasks → state → commits log.
type Engine struct {
	cfg   EngineConfig
	lg    *zap.Logger
	sched *taskscheduler.Scheduler

	// next holds each partition's next offset to read.
	next  map[kafkasource.TopicPartition]int64
	state map[string][]byte
	// stages runs keyed stages; nil without them.
	stages *stageRunner

	statuses chan Event

	// recv runs the job's receivers (engine_receivers.go); curBlocks
	// holds the running batch's blocks by stream, replayBlocks the
	// recovered batches' blocks.
	recv         *receiverTracker
	curBlocks    map[string][]*pb.TaskBlock
	replayBlocks map[int64]*hdfscheckpoint.BatchBlocks
}

// NewEngine checks cfg and prepares an engine; Run runs it.
func NewEngine(cfg EngineConfig) (*Engine, error) {
	if cfg.BatchDuration <= 0 || (cfg.Planner == nil && cfg.Receivers == nil) || cfg.Log == nil || cfg.Endpoint == nil {
		return nil, errors.New("driver: an engine needs a batch duration, a planner or receivers, a checkpoint log and an endpoint")
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	sched, err := taskscheduler.New(cfg.Tasks)
	if err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, lg: cfg.Logger, sched: sched, next: map[kafkasource.TopicPartition]int64{}, state: map[string][]byte{}, statuses: make(chan Event, 1024)}
	if cfg.Stages != nil && len(cfg.Stages.Specs) > 0 {
		if e.stages, err = newStageRunner(*cfg.Stages, cfg.BatchDuration, cfg.Log.RetainBatches(), cfg.Logger.Named("stages")); err != nil {
			return nil, err
		}
	}
	if r := cfg.Receivers; r != nil {
		names := make([]string, len(r.Streams))
		for i, s := range r.Streams {
			names[i] = s.Name
		}
		bt := newBlockTracker(cfg.Log, r.WAL, names, r.Batching, r.RecordTimeout, cfg.Logger.Named("blocks"))
		e.recv = newReceiverTracker(*r, cfg.Endpoint, sched, bt, cfg.Logger.Named("receivers"))
	}
	cfg.Endpoint.SetNetworkTimeout(cfg.NetworkTimeout)
	cfg.Endpoint.OnEvent(e.onEvent)
	return e, nil
}

// onEvent keeps the scheduler's view of executors current and passes task
// statuses to the batch that waits for them.
func (e *Engine) onEvent(ev Event) {
	switch {
	case ev.Added && ev.Replaced:
		e.sched.AddExecutor(ev.ExecutorID, ev.Host, ev.Cores, ev.Running...)
		e.lg.Warn("executor registered again: its earlier session is closed, the executor and the tasks it still holds are kept",
			zap.String("executor", ev.ExecutorID), zap.String("host", ev.Host), zap.Int("held", len(ev.Running)))
	case ev.Added:
		e.sched.AddExecutor(ev.ExecutorID, ev.Host, ev.Cores, ev.Running...)
		e.lg.Info("executor added", zap.String("executor", ev.ExecutorID), zap.String("host", ev.Host), zap.Int("cores", ev.Cores))
	case ev.Lost:
		e.sched.RemoveExecutor(ev.ExecutorID, ev.Reason)
		e.lg.Warn("executor lost; its tasks run again elsewhere", zap.String("executor", ev.ExecutorID), zap.String("reason", ev.Reason), zap.Bool("timedOut", ev.TimedOut))
	}
	if e.stages != nil {
		e.stages.onEvent(ev)
	}
	if e.recv != nil && e.recv.onEvent(ev) {
		return // a receiver's, which no batch waits for
	}
	if e.cfg.OnEvent != nil {
		e.cfg.OnEvent(ev)
	}
	// A status must reach the batch waiting for it; other events only
	// wake it (a lost executor's tasks are pending again).
	if ev.Status != nil {
		e.statuses <- ev
		return
	}
	select {
	case e.statuses <- ev:
	default:
	}
}

// Run recovers from the checkpoint, runs again the batches after the one
// it resumes from (normally the uncommitted one, with its ranges), then
// runs a batch every BatchDuration until Stop says so (nil) or a batch
// fails (its error). A late batch makes the next ones queue; none is
// dropped. A checkpoint it cannot resume from wraps ErrCannotResume.
func (e *Engine) Run(ctx context.Context) error {
	rec, err := e.recover(ctx)
	if err != nil {
		return err
	}
	next := time.Now().Truncate(e.cfg.BatchDuration).Add(e.cfg.BatchDuration)
	if !rec.NextBatchTime.IsZero() && next.Before(rec.NextBatchTime) {
		next = rec.NextBatchTime
	}
	runCtx, stopReceiving := context.WithCancel(ctx)
	defer stopReceiving()
	if e.replayBlocks, err = e.startReceivers(runCtx, rec); err != nil {
		return err
	}
	if err := e.replay(ctx, rec); err != nil {
		return err
	}
	last := false
	for {
		if err := e.receiverFailed(); err != nil {
			return err
		}
		if !last && e.cfg.Stop != nil && e.cfg.Stop(ctx) {
			e.lg.Info("stopping gracefully: no more batches will be planned")
			if !e.stopReceivers() {
				return nil
			}
			// The blocks the receivers stored since the last batch go
			// in one more.
			last = true
		}
		if wait := time.Until(next); wait > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case err := <-e.receiverFatal():
				return err
			case <-time.After(wait):
			}
		}
		planStart := time.Now()
		var plan kafkasource.Plan
		if e.cfg.Planner != nil {
			if plan, err = e.cfg.Planner.Plan(ctx, kafkasource.PlanInput{Current: e.next, BatchDuration: e.cfg.BatchDuration, RateLimit: e.rateLimit()}); err != nil {
				return fmt.Errorf("driver: plan batch %s: %w", next.Format(time.RFC3339Nano), err)
			}
		}
		ranges := make([]hdfscheckpoint.OffsetRange, 0, len(plan.Ranges))
		for _, r := range plan.Ranges {
			ranges = append(ranges, hdfscheckpoint.OffsetRange{Topic: r.Topic, Partition: r.Partition, From: r.From, Until: r.Until})
		}
		blocks, err := e.allocateBlocks(ctx, next)
		if err != nil {
			return err
		}
		want := e.cfg.MinTasks
		if want == 0 {
			want = e.sched.FreeCores()
		}
		all := append(slices.Clone(ranges), e.blockRanges(blocks)...)
		newBatch := plannedBatch{plan: plan, planned: planStart, chunkOffsets: e.cfg.ChunkOffsets, splitOffsets: splitSize(all, e.cfg.ChunkOffsets, want), blocks: blocks}
		if err := e.runBatch(ctx, next, ranges, newBatch); err != nil {
			return err
		}
		if last {
			return nil
		}
		next = next.Add(e.cfg.BatchDuration)
	}
}

func (e *Engine) rateLimit() float64 {
	if e.cfg.Rate == nil {
		return 0
	}
	return e.cfg.Rate.Limit()
}

// plannedBatch is what planning a new batch produced; a replayed batch
// has only its ranges from the offsets log, unless they had to be made
// again (rewrite: its offsets entry is written anew).
type plannedBatch struct {
	plan    kafkasource.Plan
	planned time.Time
	replay  bool
	rewrite bool
	// chunkOffsets is the chunk size the batch's tasks use;
	// splitOffsets the size of the parts its ranges are split into (0:
	// none).
	chunkOffsets, splitOffsets int64
	// blocks are the received blocks the batch processes; nil for none.
	blocks *hdfscheckpoint.BatchBlocks
}

// runBatch runs one batch: offsets entry, tasks, reduce and state, commit.
func (e *Engine) runBatch(ctx context.Context, batchTime time.Time, ranges []hdfscheckpoint.OffsetRange, pl plannedBatch) error {
	started := time.Now()
	if pl.planned.IsZero() {
		pl.planned = started
	}
	info := BatchInfo{Time: batchTime, Started: pl.planned, SchedulingDelay: max(0, pl.planned.Sub(batchTime)), Lag: pl.plan.Lag, RateLimit: e.rateLimit(), Replayed: pl.replay, OutOfRange: pl.plan.OutOfRange}
	stage := func(name string, since time.Time) time.Time {
		now := time.Now()
		info.Stages = append(info.Stages, StageTime{Stage: name, Duration: now.Sub(since)})
		return now
	}
	if !pl.replay || pl.rewrite {
		started = stage(StagePlan, pl.planned)
		meta := map[string]string{}
		if pl.chunkOffsets > 0 {
			meta[metaChunkOffsets] = strconv.FormatInt(pl.chunkOffsets, 10)
		}
		if pl.splitOffsets > 0 {
			meta[metaSplitOffsets] = strconv.FormatInt(pl.splitOffsets, 10)
		}
		if e.stages != nil {
			e.stages.recordPartitions(meta)
		}
		if err := e.cfg.Log.WriteOffsets(ctx, hdfscheckpoint.BatchOffsets{BatchTime: batchTime, Ranges: ranges, Meta: meta}); err != nil {
			return fmt.Errorf("driver: write offsets of batch %s: %w", batchTime.Format(time.RFC3339Nano), err)
		}
		started = stage(StageOffsets, started)
	}
	for _, r := range ranges {
		latest := int64(-1)
		if l, ok := pl.plan.Latest[kafkasource.TopicPartition{Topic: r.Topic, Partition: r.Partition}]; ok {
			latest = l
		}
		info.Partitions = append(info.Partitions, PartitionProgress{Topic: r.Topic, Partition: r.Partition, From: r.From, Until: r.Until, Latest: latest})
	}
	// A task per range, or per part of a split range; a part's task keeps
	// its partition's locality.
	var tasks []taskscheduler.Task
	byID := map[string]taskRange{}
	for _, tr := range splitRanges(append(slices.Clone(ranges), e.blockRanges(pl.blocks)...), pl.chunkOffsets, pl.splitOffsets) {
		id := tr.taskID()
		task := taskscheduler.Task{ID: id, Partition: tr.partitionName()}
		e.blockTask(&task)
		tasks = append(tasks, task)
		byID[id] = tr
	}
	if e.stages != nil {
		e.stages.planMaps(batchTime.UnixMilli(), tasks, byID, pl.chunkOffsets)
	}
	if e.cfg.OnBatchStarted != nil {
		e.cfg.OnBatchStarted(BatchInfo{Time: batchTime, Started: info.Started, Partitions: info.Partitions, Replayed: pl.replay})
	}
	aggregates := map[string][][]byte{}
	var read, process, write time.Duration
	if len(tasks) > 0 {
		results, err := e.runTasks(ctx, batchTime, pl.chunkOffsets, tasks, byID)
		if err != nil {
			return err
		}
		for _, st := range results {
			m := st.GetMetrics()
			info.Records += m.GetRecordsIn()
			info.Rejected += m.GetRecordsRejected()
			info.Outputs += m.GetRecordsOut()
			read += time.Duration(m.GetReadNanos())
			process += time.Duration(m.GetProcessNanos())
			write += time.Duration(m.GetWriteNanos())
			for _, kv := range st.GetAggregates() {
				aggregates[kv.GetKey()] = append(aggregates[kv.GetKey()], kv.GetValue())
			}
		}
		if e.stages != nil {
			e.stages.recordMaps(batchTime.UnixMilli(), results)
		}
	}
	info.Stages = append(info.Stages, StageTime{StageRead, read}, StageTime{StageProcess, process}, StageTime{StageWrite, write})
	var keyed stageStats
	if e.stages != nil {
		started = time.Now()
		var err error
		if keyed, err = e.stages.runReduce(ctx, e, batchTime); err != nil {
			return err
		}
		info.Outputs += keyed.outputs
		stage(StageReduce, started)
	}
	started = time.Now()
	if err := e.updateState(ctx, batchTime, aggregates); err != nil {
		return err
	}
	started = stage(StageState, started)
	info.ProcessingDelay = time.Since(pl.planned)
	// The commit carries the batch's statistics, as Spark's BatchInfo, so
	// that each batch can be inspected from the checkpoint afterwards.
	stats := map[string]int64{
		"records": info.Records, "outputs": info.Outputs, "rejected": info.Rejected,
		"processingMs": info.ProcessingDelay.Milliseconds(), "schedulingMs": info.SchedulingDelay.Milliseconds(),
		"rateLimit": int64(info.RateLimit), "lag": info.Lag,
		"taskReadMs": read.Milliseconds(), "taskProcessMs": process.Milliseconds(), "taskWriteMs": write.Milliseconds(),
	}
	if e.stages != nil {
		e.stages.commitStats(batchTime.UnixMilli(), keyed, stats)
	}
	if err := e.cfg.Log.WriteCommit(ctx, hdfscheckpoint.BatchCommit{BatchTime: batchTime, Outputs: stats}); err != nil {
		return fmt.Errorf("driver: write commit of batch %s: %w", batchTime.Format(time.RFC3339Nano), err)
	}
	stage(StageCommit, started)
	if e.stages != nil {
		e.stages.committed(batchTime.UnixMilli())
	}
	info.Finished = time.Now()
	info.ProcessingDelay = info.Finished.Sub(pl.planned)
	for _, r := range ranges {
		e.next[kafkasource.TopicPartition{Topic: r.Topic, Partition: r.Partition}] = r.Until
	}
	if err := e.cfg.Log.Purge(ctx); err != nil {
		e.lg.Warn("purge old checkpoint entries", zap.Error(err))
	}
	e.blocksCommitted(ctx, batchTime)
	if e.cfg.Rate != nil {
		e.cfg.Rate.OnBatchCompleted(ratecontrol.BatchInfo{Time: time.Now(), Records: info.Records, ProcessingDelay: info.ProcessingDelay, SchedulingDelay: info.SchedulingDelay})
	}
	e.lg.Info("batch completed", zap.Time("batch", batchTime), zap.Int64("records", info.Records), zap.Int64("rejected", info.Rejected),
		zap.Duration("processingDelay", info.ProcessingDelay), zap.Duration("schedulingDelay", info.SchedulingDelay), zap.Float64("rateLimit", info.RateLimit))
	if e.cfg.Committer != nil {
		if err := e.cfg.Committer.CommitOffsets(ctx, e.nextOffsets()); err != nil && ctx.Err() == nil {
			e.lg.Warn("commit offsets to the Kafka consumer group (lag monitors will not see this batch)", zap.Time("batch", batchTime), zap.Error(err))
		}
	}
	if e.cfg.OnBatch != nil {
		e.cfg.OnBatch(info)
	}
	return nil
}

// nextOffsets returns a copy of each partition's next offset.
func (e *Engine) nextOffsets() map[kafkasource.TopicPartition]int64 {
	out := make(map[kafkasource.TopicPartition]int64, len(e.next))
	for tp, off := range e.next {
		out[tp] = off
	}
	return out
}

// runTasks runs a batch's task set of ranges to its end and returns each
// task's status.
func (e *Engine) runTasks(ctx context.Context, batchTime time.Time, chunkOffsets int64, tasks []taskscheduler.Task, byID map[string]taskRange) (map[string]*pb.TaskStatus, error) {
	return e.runTaskSet(ctx, batchTime, tasks, func(a taskscheduler.Assignment) *pb.LaunchTask {
		return e.rangeLaunch(batchTime, chunkOffsets, a, byID[a.TaskID])
	})
}

// runTaskSet runs a task set to its end, each launch made by build, and
// returns each task's status.
func (e *Engine) runTaskSet(ctx context.Context, batchTime time.Time, tasks []taskscheduler.Task, build func(taskscheduler.Assignment) *pb.LaunchTask) (map[string]*pb.TaskStatus, error) {
	if err := e.sched.Submit(tasks); err != nil {
		return nil, err
	}
	results := map[string]*pb.TaskStatus{}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		// Ends reported since the last round free their cores first,
		// those of earlier batches' attempts included.
		for drained := false; !drained; {
			select {
			case ev := <-e.statuses:
				e.taskEnded(ev, results)
			default:
				drained = true
			}
		}
		for _, a := range e.sched.Schedule() {
			e.launch(a, build(a))
		}
		if done, err := e.sched.State(); done {
			if err != nil {
				return nil, fmt.Errorf("driver: batch %s: %w", batchTime.Format(time.RFC3339Nano), err)
			}
			return results, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case err := <-e.receiverFatal():
			return nil, err
		case ev := <-e.statuses:
			e.taskEnded(ev, results)
		case <-tick.C:
		}
	}
}

// rangeLaunch is the launch of assignment a of range r: a task of the
// batch's map side.
func (e *Engine) rangeLaunch(batchTime time.Time, chunkOffsets int64, a taskscheduler.Assignment, r taskRange) *pb.LaunchTask {
	lt := &pb.LaunchTask{
		TaskId: a.TaskID, Attempt: int32(a.Attempt), Tid: a.TID, BatchTimeUnixMs: batchTime.UnixMilli(),
		Range:        &pb.OffsetRange{Topic: r.Topic, Partition: r.Partition, From: r.From, Until: r.Until},
		ChunkOffsets: chunkOffsets,
		ChunkBase:    int32(r.base),
	}
	if e.stages != nil {
		e.stages.mapLaunch(lt)
	}
	e.launchBlocks(lt)
	return lt
}

// launch sends assignment a, as lt, to its executor; a launch that cannot
// be sent fails at once.
func (e *Engine) launch(a taskscheduler.Assignment, lt *pb.LaunchTask) {
	if o := a.Overran; o != nil {
		e.lg.Warn("task ran longer than "+conf.KeyTaskTimeout+"; running it again on another executor, the first to finish wins",
			zap.String("task", a.TaskID), zap.String("executor", o.ExecutorID), zap.Int("attempt", o.Attempt), zap.Duration("running", o.For),
			zap.Duration("timeout", e.cfg.Tasks.TaskTimeout), zap.String("on", a.ExecutorID), zap.Int("newAttempt", a.Attempt))
	}
	// Every task carries the attempt's epoch: map and reduce tasks
	// alike write through its fence.
	lt.Epoch = e.cfg.Epoch
	err := e.cfg.Endpoint.Launch(a.ExecutorID, lt)
	if err != nil {
		e.lg.Warn("task not launched; it runs again", zap.String("task", a.TaskID), zap.String("executor", a.ExecutorID), zap.Error(err))
		e.sched.TaskFinished(a.TID, a.ExecutorID, fmt.Errorf("%w: %w", taskscheduler.ErrLaunchLost, err))
	}
}

// taskEnded gives a reported end to the scheduler, keeps the winning
// attempt's status in results and stops the attempts it beat.
func (e *Engine) taskEnded(ev Event, results map[string]*pb.TaskStatus) {
	st := ev.Status
	if st == nil {
		return
	}
	var err error
	switch {
	case ev.LaunchLost:
		e.lg.Warn("task launch lost; it runs again", zap.String("task", st.GetTaskId()), zap.Int32("attempt", st.GetAttempt()), zap.String("executor", ev.ExecutorID), zap.String("error", st.GetError()))
		err = fmt.Errorf("%w: %s", taskscheduler.ErrLaunchLost, st.GetError())
	case !st.GetSucceeded() && st.GetFetchFailed() == nil:
		err = errors.New(st.GetError())
	}
	fin := e.sched.TaskFinished(st.GetTid(), ev.ExecutorID, err)
	switch {
	case fin.Won:
		results[st.GetTaskId()] = st
	case fin.Failed:
		e.lg.Warn("task failed", zap.String("task", st.GetTaskId()), zap.Int32("attempt", st.GetAttempt()), zap.String("executor", ev.ExecutorID), zap.String("error", st.GetError()))
	}
	for _, k := range fin.Kill {
		e.cfg.Endpoint.Kill(k.ExecutorID, k.TID, fmt.Sprintf("attempt %d of task %s on executor %s finished first", st.GetAttempt(), st.GetTaskId(), ev.ExecutorID))
	}
}

// updateState reduces a batch's aggregates or, for a job that keeps state,
// folds them into the state (every key with state or new values is offered,
// as Spark's updateStateByKey, so the job can expire idle keys), then
// snapshots the state for this batch.
func (e *Engine) updateState(ctx context.Context, batchTime time.Time, aggregates map[string][][]byte) error {
	if e.cfg.Job == nil || (len(aggregates) == 0 && len(e.state) == 0) {
		return nil
	}
	at := batchTime.Format(time.RFC3339Nano)
	if !e.cfg.KeepState {
		if len(aggregates) == 0 {
			return nil
		}
		groups := make([]sdk.KeyValues, 0, len(aggregates))
		for _, k := range sortedKeys(aggregates) {
			groups = append(groups, sdk.KeyValues{Key: k, Values: aggregates[k]})
		}
		reduced, err := e.cfg.Job.Reduce(ctx, groups)
		if err != nil {
			return fmt.Errorf("driver: reduce batch %s: %w", at, err)
		}
		if e.cfg.OnReduced != nil {
			e.cfg.OnReduced(batchTime, reduced)
		}
		return nil
	}
	keys := map[string]bool{}
	for k := range aggregates {
		keys[k] = true
	}
	for k := range e.state {
		keys[k] = true
	}
	in := make([]sdk.StateInput, 0, len(keys))
	for _, k := range sortedKeys(keys) {
		in = append(in, sdk.StateInput{Key: k, Values: aggregates[k], Old: e.state[k]})
	}
	out, err := e.cfg.Job.UpdateState(ctx, batchTime, in)
	if err != nil {
		return fmt.Errorf("driver: update state in batch %s: %w", at, err)
	}
	for _, o := range out {
		if o.Keep {
			e.state[o.Key] = o.State
		} else {
			delete(e.state, o.Key)
		}
	}
	raw, err := encodeState(e.state)
	if err != nil {
		return err
	}
	if err := e.cfg.Log.WriteState(ctx, batchTime, hdfscheckpoint.AllPartitionsState, raw); err != nil {
		return fmt.Errorf("driver: write state of batch %s: %w", at, err)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// State returns a copy of the current keyed state.
func (e *Engine) State() map[string][]byte {
	out := make(map[string][]byte, len(e.state))
	for k, v := range e.state {
		out[k] = v
	}
	return out
}
