package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/sink"
	"github.com/spindlehq/spindle/streaming/wal"
	"go.uber.org/zap"
)

// RangeReader reads one partition range from Kafka (kafkasource.Reader),
// handing each record over in offset order.
type RangeReader interface {
	ReadRangeEach(ctx context.Context, r kafkasource.OffsetRange, each func(*kafkasource.Record)) error
}

// OutputWriter writes a task's outputs and rejected records chunk by chunk
// (sink.FileSink, sink.KafkaSink).
type OutputWriter interface {
	// OpenPartition opens the writer of one task's part of a
	// batch-partition, the part whose first chunk is firstChunk.
	OpenPartition(ctx context.Context, batchTime time.Time, topic string, partition int32, firstChunk int) (sink.PartitionWriter, error)
}

// RangeOpener is an OutputWriter whose writers need the task's offset
// range (sink.KafkaSink: a transaction records the range it wrote).
type RangeOpener interface {
	OpenRange(ctx context.Context, batchTime time.Time, rng kafkasource.OffsetRange, firstChunk int) (sink.PartitionWriter, error)
}

var (
	_ OutputWriter = sink.FileSink{}
	_ OutputWriter = (*sink.KafkaSink)(nil)
	_ RangeOpener  = (*sink.KafkaSink)(nil)
)

// maxPreallocRecords bounds the records allocated up front for a task's
// range (the planner's caps normally keep ranges far smaller).
const maxPreallocRecords = 1 << 20

// JobRunnerConfig configures a JobRunner.
type JobRunnerConfig struct {
	// JobPath is the job binary (localized into the container).
	JobPath string
	// JobSHA256 is the binary's hex SHA-256; the plugin does not start
	// when the file differs.
	JobSHA256 string
	// JobVerified says that the binary was checked against JobSHA256
	// before the executor started (a NodeManager checks every file it
	// localizes): its first start does not hash it again. A plugin
	// started again after a crash is checked.
	JobVerified bool
	// Conf and Args are handed to the job's Configure.
	Conf map[string]string
	Args []string
	// AppLog receives the job's own log lines (the container's app.log).
	AppLog io.Writer
	// Reader reads each task's range.
	Reader RangeReader
	// Sink takes outputs and rejected records.
	Sink OutputWriter
	// Stages runs keyed stages' map and reduce tasks; nil for an
	// executor of a job without them.
	Stages *StagesConfig
	// Receivers and WAL serve receivers and the tasks that read their
	// blocks (receiverrunner.go); nil when the job has none.
	Receivers *ReceiverHub
	WAL       *wal.Log
	// Logger receives the runner's log.
	Logger *zap.Logger
}

// JobRunner runs tasks through the user's job, loaded as a plugin. If the
// plugin process dies, the tasks running in it fail and the next task
// starts it again.
type JobRunner struct {
	cfg JobRunnerConfig
	lg  *zap.Logger

	mu  sync.Mutex
	job *sdk.JobClient
	// started counts the plugin's starts.
	started int
	// startErr is why a background start failed: the executor is on its
	// way out, and tasks fail with it rather than start the plugin again.
	startErr error
}

// NewJobRunner starts and configures the job's plugin.
func NewJobRunner(ctx context.Context, cfg JobRunnerConfig) (*JobRunner, error) {
	r, err := newJobRunner(cfg)
	if err != nil {
		return nil, err
	}
	if _, err := r.client(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// StartJobRunner is NewJobRunner that returns at once and starts the
// plugin in the background, so that an executor registers with the
// driver while its plugin starts; tasks wait for the start. The channel
// receives the start's error, nil once the plugin is configured.
func StartJobRunner(ctx context.Context, cfg JobRunnerConfig) (*JobRunner, <-chan error, error) {
	r, err := newJobRunner(cfg)
	if err != nil {
		return nil, nil, err
	}
	started := make(chan error, 1)
	// Held until the plugin is up, so that the first task waits for it
	// rather than starting a second one.
	r.mu.Lock()
	go func() {
		defer r.mu.Unlock()
		_, err := r.clientLocked(ctx)
		r.startErr = err
		started <- err
	}()
	return r, started, nil
}

func newJobRunner(cfg JobRunnerConfig) (*JobRunner, error) {
	if cfg.Sink == nil || cfg.JobPath == "" {
		return nil, errors.New("executor: a job runner needs a job binary and a sink")
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.AppLog == nil {
		cfg.AppLog = io.Discard
	}
	return &JobRunner{cfg: cfg, lg: cfg.Logger}, nil
}

// client returns the running plugin, starting it when it is not running.
func (r *JobRunner) client(ctx context.Context) (*sdk.JobClient, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.clientLocked(ctx)
}

func (r *JobRunner) clientLocked(ctx context.Context) (*sdk.JobClient, error) {
	if r.startErr != nil {
		return nil, r.startErr
	}
	if r.job != nil && !r.job.Exited() {
		return r.job, nil
	}
	if r.job != nil {
		r.lg.Warn("job plugin exited; starting it again")
		r.job.Kill()
	}
	ccfg := sdk.DefaultClientConfig()
	ccfg.Path, ccfg.SHA256, ccfg.AppLog, ccfg.Logger = r.cfg.JobPath, r.cfg.JobSHA256, r.cfg.AppLog, r.lg.Named("plugin")
	ccfg.ChecksumVerified = r.cfg.JobVerified && r.started == 0
	r.started++
	job, err := sdk.NewClient(ctx, ccfg)
	if err != nil {
		return nil, fmt.Errorf("executor: start job %s: %w", r.cfg.JobPath, err)
	}
	if _, err := job.Configure(ctx, r.cfg.Conf, r.cfg.Args); err != nil {
		job.Kill()
		return nil, fmt.Errorf("executor: configure job %s: %w", r.cfg.JobPath, err)
	}
	r.job = job
	return job, nil
}

// RunTask runs the task's range through the job in chunks of the
// task's chunk_offsets: the next chunk is read while the job processes
// this one and the previous one is written, so that a task holds at most
// ChunksInFlight chunks. It returns aggregates and metrics once the sink
// committed every chunk.
func (r *JobRunner) RunTask(ctx context.Context, t *pb.LaunchTask) *pb.TaskStatus {
	fail := func(format string, a ...any) *pb.TaskStatus {
		return &pb.TaskStatus{Error: fmt.Sprintf(format, a...)}
	}
	if t.GetReduce() != nil {
		return r.runReduce(ctx, t)
	}
	if t.GetReceiver() != nil {
		return r.runReceiver(ctx, t)
	}
	reader := r.taskReader(t)
	if reader == nil {
		return fail("task %s: the application reads no Kafka topics (%s)", t.GetTaskId(), conf.KeyKafkaTopics)
	}
	rg := t.GetRange()
	batchTime := time.UnixMilli(t.GetBatchTimeUnixMs()).UTC()
	rng := kafkasource.OffsetRange{Topic: rg.GetTopic(), Partition: rg.GetPartition(), From: rg.GetFrom(), Until: rg.GetUntil()}
	job, err := r.client(ctx)
	if err != nil {
		return fail("%v", err)
	}
	out, keyed, err := r.openMapTask(ctx, t, batchTime, rng)
	if err != nil {
		return fail("%v", err)
	}
	p := &pipeline{
		reader: reader, job: job, out: out, rng: rng, size: t.GetChunkOffsets(), base: int(t.GetChunkBase()),
		info:  sdk.PartitionInfo{BatchTime: batchTime, Topic: rng.Topic, Partition: rng.Partition},
		keyed: keyed,
	}
	if err := p.run(ctx); err != nil {
		out.Abort()
		keyed.abort()
		return fail("task %s: %v", t.GetTaskId(), err)
	}
	aggs, err := p.aggregates.reduce(ctx, job)
	if err != nil {
		out.Abort()
		keyed.abort()
		return fail("task %s: combine aggregates: %v", t.GetTaskId(), err)
	}
	// The map output first: a task counts as done only once both are
	// written, and a map output left by a task whose sink failed is
	// written again, the same, by its retry.
	var mapOut *pb.MapOutput
	var shuffled *pb.ShuffleMetrics
	if keyed != nil {
		if mapOut, shuffled, err = keyed.commit(r.cfg.Stages, t); err != nil {
			out.Abort()
			return fail("task %s: map output: %v", t.GetTaskId(), err)
		}
	}
	commitStart := time.Now()
	if err := out.Commit(ctx); err != nil {
		return fail("task %s: %v", t.GetTaskId(), err)
	}
	p.write += time.Since(commitStart)
	return &pb.TaskStatus{Succeeded: true, Aggregates: aggs, MapOutput: mapOut, Shuffle: shuffled, Metrics: &pb.TaskMetrics{
		RecordsIn:       p.recordsIn,
		RecordsOut:      p.outputs,
		RecordsRejected: p.rejected,
		ReadNanos:       p.read.Nanoseconds(),
		ProcessNanos:    p.process.Nanoseconds(),
		WriteNanos:      p.write.Nanoseconds(),
	}}
}

// Close stops the plugin.
func (r *JobRunner) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.job != nil {
		r.job.Kill()
	}
}
