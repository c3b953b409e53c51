package sdk

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"go.uber.org/zap/zapcore"
)

// InProcessConfig configures NewInProcessClient.
type InProcessConfig struct {
	// AppLog receives the job's log, one JSON line per entry, as
	// ClientConfig.AppLog does for a job binary; use io.Discard to drop
	// it. Required.
	AppLog io.Writer
}

// DefaultInProcessConfig returns a config that drops the job's log.
func DefaultInProcessConfig() InProcessConfig {
	return InProcessConfig{AppLog: io.Discard}
}

// Validate reports the first invalid field.
func (c InProcessConfig) Validate() error {
	if c.AppLog == nil {
		return fmt.Errorf("%w: AppLog is nil; use io.Discard to drop the job's log", ErrInvalidConfig)
	}
	return nil
}

// NewInProcessClient returns a JobClient that runs job's stages in the
// caller's process, with no plugin, no process and no serialisation: the
// same stages, results and errors as the job served by a binary, for
// running a job locally and for measuring what the plugin boundary costs.
// The job sees the caller's records themselves rather than copies, and
// its outputs may share memory with them. A job that implements an
// optional interface wrongly fails with ErrInvalidJob. Kill makes later
// calls fail with ErrStopped.
func NewInProcessClient[E any](job Job[E], cfg InProcessConfig) (*JobClient, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lg, level := newAppLogger(zapcore.AddSync(cfg.AppLog))
	r, err := newRunner(job, lg, level)
	if err != nil {
		return nil, err
	}
	c := &inProcess{impl: r}
	return &JobClient{
		name:   fmt.Sprintf("in-process %T", job),
		rpc:    c,
		stop:   func() { c.stopped.Store(true) },
		exited: c.stopped.Load,
		flush:  func() {},
	}, nil
}

// inProcess makes a JobClient's calls straight to the job's runner.
type inProcess struct {
	impl    processor
	stopped atomic.Bool
}

func (c *inProcess) configure(ctx context.Context, conf map[string]string, args []string) (Capabilities, []StageSpec, error) {
	if c.stopped.Load() {
		return Capabilities{}, nil, ErrStopped
	}
	if conf == nil {
		conf = map[string]string{}
	}
	caps, stages, err := c.impl.configure(ctx, conf, args, hostFeatures)
	return caps, stages, cleanStageError(err)
}

func (c *inProcess) processPartition(ctx context.Context, p *Partition) (Result, error) {
	if c.stopped.Load() {
		return Result{}, ErrStopped
	}
	start := time.Now()
	pr, err := c.impl.processPartition(ctx, p)
	if err != nil {
		return Result{}, cleanStageError(err)
	}
	res := Result{Outputs: pr.outputs, Aggregates: pr.aggregates, Keyed: pr.keyed, Metrics: pr.metrics}
	if len(pr.rejected) > 0 {
		res.Rejected = make([]Rejected, len(pr.rejected))
		for i, r := range pr.rejected {
			res.Rejected[i] = Rejected{Record: p.Records[r.index], Stage: r.stage, Reason: cleanText(r.reason)}
		}
	}
	res.Metrics.Total = time.Since(start)
	return res, nil
}

func (c *inProcess) reduce(ctx context.Context, groups []KeyValues) ([]KeyValue, error) {
	if c.stopped.Load() {
		return nil, ErrStopped
	}
	out, err := c.impl.reduce(ctx, groups)
	return out, cleanStageError(err)
}

func (c *inProcess) updateState(ctx context.Context, batchTime time.Time, in []StateInput) ([]StateOutput, error) {
	if c.stopped.Load() {
		return nil, ErrStopped
	}
	out, err := c.impl.updateState(ctx, batchTime.UTC(), in)
	return out, cleanStageError(err)
}

func (c *inProcess) reduceKeys(ctx context.Context, call *ReduceKeysCall) (ReduceKeysResult, error) {
	if c.stopped.Load() {
		return ReduceKeysResult{}, ErrStopped
	}
	res, err := c.impl.reduceKeys(ctx, call)
	return res, cleanStageError(err)
}

// cleanStageError gives a StageError's message the form it has after
// crossing the wire, so that both kinds of client report the same text.
func cleanStageError(err error) error {
	if serr, ok := err.(*StageError); ok {
		cp := *serr
		cp.Message = cleanText(cp.Message)
		return &cp
	}
	return err
}
