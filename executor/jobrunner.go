package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/sink"
	"go.uber.org/zap"
)

// RangeReader reads one partition range from Kafka (kafkasource.Reader),
// handing each record over in offset order.
type RangeReader interface {
	ReadRangeEach(ctx context.Context, r kafkasource.OffsetRange, each func(*kafkasource.Record)) error
}

// OutputWriter writes a task's outputs and rejected records (sink.FileSink).
type OutputWriter interface {
	WritePartition(ctx context.Context, batchTime time.Time, topic string, partition int32, outputs []sdk.Output) error
	WriteRejected(ctx context.Context, batchTime time.Time, topic string, partition int32, rejected []sdk.Rejected) error
}

// TaskWriter is an OutputWriter that writes a task's outputs and rejected
// records together, knowing the task's range (sink.KafkaSink: one Kafka
// transaction per task when it writes in transactions).
type TaskWriter interface {
	WriteTask(ctx context.Context, batchTime time.Time, rng kafkasource.OffsetRange, outputs []sdk.Output, rejected []sdk.Rejected) error
}

var (
	_ OutputWriter = sink.FileSink{}
	_ TaskWriter   = (*sink.KafkaSink)(nil)
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
	// Conf and Args are handed to the job's Configure.
	Conf map[string]string
	Args []string
	// AppLog receives the job's own log lines (the container's app.log).
	AppLog io.Writer
	// Reader reads each task's range.
	Reader RangeReader
	// Sink takes outputs and rejected records.
	Sink OutputWriter
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
}

// NewJobRunner starts and configures the job's plugin.
func NewJobRunner(ctx context.Context, cfg JobRunnerConfig) (*JobRunner, error) {
	if cfg.Reader == nil || cfg.Sink == nil || cfg.JobPath == "" {
		return nil, errors.New("executor: a job runner needs a job binary, a reader and a sink")
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.AppLog == nil {
		cfg.AppLog = io.Discard
	}
	r := &JobRunner{cfg: cfg, lg: cfg.Logger}
	if _, err := r.client(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// client returns the running plugin, starting it when it is not running.
func (r *JobRunner) client(ctx context.Context) (*sdk.JobClient, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.job != nil && !r.job.Exited() {
		return r.job, nil
	}
	if r.job != nil {
		r.lg.Warn("job plugin exited; starting it again")
		r.job.Kill()
	}
	ccfg := sdk.DefaultClientConfig()
	ccfg.Path, ccfg.SHA256, ccfg.AppLog, ccfg.Logger = r.cfg.JobPath, r.cfg.JobSHA256, r.cfg.AppLog, r.lg.Named("plugin")
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

// RunTask reads the task's range, runs it through the job, writes outputs
// and rejected records, and returns aggregates and metrics.
func (r *JobRunner) RunTask(ctx context.Context, t *pb.LaunchTask) *pb.TaskStatus {
	fail := func(format string, a ...any) *pb.TaskStatus {
		return &pb.TaskStatus{Error: fmt.Sprintf(format, a...)}
	}
	rg := t.GetRange()
	batchTime := time.UnixMilli(t.GetBatchTimeUnixMs()).UTC()
	started := time.Now()
	rng := kafkasource.OffsetRange{Topic: rg.GetTopic(), Partition: rg.GetPartition(), From: rg.GetFrom(), Until: rg.GetUntil()}
	// Records go straight into the job's form: a partition's records are
	// held once, not twice.
	p := sdk.Partition{PartitionInfo: sdk.PartitionInfo{BatchTime: batchTime, Topic: rg.GetTopic(), Partition: rg.GetPartition()},
		Records: make([]sdk.Record, 0, min(max(rng.Count(), 0), maxPreallocRecords))}
	err := r.cfg.Reader.ReadRangeEach(ctx, rng, func(rec *kafkasource.Record) {
		sr := sdk.Record{Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Key: rec.Key, Value: rec.Value, Timestamp: rec.Timestamp}
		if len(rec.Headers) > 0 {
			sr.Headers = make([]sdk.Header, len(rec.Headers))
			for i, h := range rec.Headers {
				sr.Headers[i] = sdk.Header{Key: string(h.Key), Value: h.Value}
			}
		}
		p.Records = append(p.Records, sr)
	})
	if err != nil {
		return fail("read %s-%d [%d, %d): %v", rg.GetTopic(), rg.GetPartition(), rg.GetFrom(), rg.GetUntil(), err)
	}
	recs := p.Records
	read := time.Since(started)
	job, err := r.client(ctx)
	if err != nil {
		return fail("%v", err)
	}
	processStart := time.Now()
	res, err := job.ProcessPartition(ctx, p)
	if err != nil {
		return fail("task %s: %v", t.GetTaskId(), err)
	}
	process := time.Since(processStart)
	writeStart := time.Now()
	if tw, ok := r.cfg.Sink.(TaskWriter); ok {
		if err := tw.WriteTask(ctx, batchTime, rng, res.Outputs, res.Rejected); err != nil {
			return fail("%v", err)
		}
	} else {
		if err := r.cfg.Sink.WritePartition(ctx, batchTime, rg.GetTopic(), rg.GetPartition(), res.Outputs); err != nil {
			return fail("%v", err)
		}
		if err := r.cfg.Sink.WriteRejected(ctx, batchTime, rg.GetTopic(), rg.GetPartition(), res.Rejected); err != nil {
			return fail("%v", err)
		}
	}
	st := &pb.TaskStatus{Succeeded: true, Metrics: &pb.TaskMetrics{
		RecordsIn:       int64(len(recs)),
		RecordsOut:      int64(len(res.Outputs)),
		RecordsRejected: int64(len(res.Rejected)),
		ReadNanos:       read.Nanoseconds(),
		ProcessNanos:    process.Nanoseconds(),
		WriteNanos:      time.Since(writeStart).Nanoseconds(),
	}}
	for _, kv := range res.Aggregates {
		st.Aggregates = append(st.Aggregates, &pb.KeyValue{Key: kv.Key, Value: kv.Value})
	}
	return st
}

// Close stops the plugin.
func (r *JobRunner) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.job != nil {
		r.job.Kill()
	}
}
