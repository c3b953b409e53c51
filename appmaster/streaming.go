package appmaster

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/driver/taskscheduler"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/ratecontrol"
	"github.com/spindlehq/spindle/streaming/sink"
	"go.uber.org/zap"
)

// Keys the streaming driver reads from the application's configuration.
const (
	KeyDriverMode        = "spindle.driver.mode"
	KeyBatchDuration     = "spindle.streaming.batchDuration"
	KeyCheckpointDir     = "spindle.checkpoint.dir"
	KeySparkCheckpoint   = "spark.checkpoint.dir"
	KeySinkPath          = "spindle.sink.path"
	KeyMarker            = "spindle.streaming.shutdownMarker"
	KeyMarkerPoll        = "spindle.streaming.shutdownMarker.pollInterval"
	KeyMoveCheckpoint    = "spindle.streaming.shutdownMarker.moveCheckpoint"
	KeyStopOnShutdown    = "spark.streaming.stopGracefullyOnShutdown"
	KeyStopTimeout       = "spark.streaming.gracefulStopTimeout"
	KeyLocalityWait      = "spark.locality.wait"
	KeyTaskMaxFailures   = "spark.task.maxFailures"
	KeyConcurrentJobs    = "spark.streaming.concurrentJobs"
	DriverModePlugin     = "plugin"
	DriverModeProcess    = "process"
	defaultBatchDuration = time.Second
	// defaultStopTimeoutBatches is Spark's default graceful stop bound:
	// ten batch durations.
	defaultStopTimeoutBatches = 10
	// stopCheckInterval is how often a SIGTERM stop request is looked for.
	stopCheckInterval = 100 * time.Millisecond
)

// DriverMode is plugin (the job is a Spindle job; the streaming driver runs
// in the AM) or process (the job binary itself is the driver program).
func DriverMode(c map[string]string) (string, error) {
	switch m := c[KeyDriverMode]; m {
	case "", DriverModePlugin:
		return DriverModePlugin, nil
	case DriverModeProcess:
		return m, nil
	default:
		return "", fmt.Errorf("appmaster: %s = %q: use plugin (a job served with sdk.Serve) or process (the binary is the driver)", KeyDriverMode, m)
	}
}

// CheckpointDir is spindle.checkpoint.dir, or Spark's spark.checkpoint.dir.
func CheckpointDir(c map[string]string) string {
	if d := c[KeyCheckpointDir]; d != "" {
		return d
	}
	return c[KeySparkCheckpoint]
}

// JobResource finds the job binary among the staged resources.
func JobResource(spec LaunchSpec) (Resource, error) {
	for _, r := range spec.Resources {
		if r.Name == spec.Application {
			return r, nil
		}
	}
	return Resource{}, fmt.Errorf("appmaster: the job binary %s is not among the staged files", spec.Application)
}

// StreamingOptions are what the streaming driver needs besides the spec.
type StreamingOptions struct {
	// WorkDir holds the localized job binary.
	WorkDir string
	// AppLog receives the job's own log lines.
	AppLog io.Writer
	// Stopping reports a SIGTERM when spark.streaming.stopGracefullyOnShutdown is set.
	Stopping func() bool
	// OnBatch is told of each completed batch.
	OnBatch func(driver.BatchInfo)
	// OnLag is told of the lag monitor's findings after each batch.
	OnLag  func([]LagSample)
	Logger *zap.Logger
}

// StreamingDriver returns the AM's driver for a Spindle job: micro-batches
// from Kafka, tasks on the executors, state and commits in the checkpoint,
// and the graceful stop by marker file.
func StreamingDriver(spec LaunchSpec, opts StreamingOptions) (func(context.Context, *driver.Endpoint) error, error) {
	c := spec.Conf
	lg := opts.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	batch := defaultBatchDuration
	if v := c[KeyBatchDuration]; v != "" {
		d, err := conf.ParseDuration(v, time.Millisecond)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("appmaster: %s = %q: want a positive duration such as 1s or 500ms", KeyBatchDuration, v)
		}
		batch = d
	}
	ckptURI := CheckpointDir(c)
	if ckptURI == "" {
		return nil, fmt.Errorf("appmaster: no checkpoint dir: set %s (file:///… or hdfs://…)", KeyCheckpointDir)
	}
	kcfg, err := kafkasource.ConfigFromConf(c)
	if err != nil {
		return nil, err
	}
	kcfg.Logger = lg.Named("kafka")
	lcfg, err := kafkasource.LagMonitorConfigFromConf(c)
	if err != nil {
		return nil, err
	}
	lcfg.Logger = lg.Named("lag")
	rcfg, err := ratecontrol.ConfigFromConf(c, batch)
	if err != nil {
		return nil, err
	}
	rcfg.Logger = lg.Named("ratecontrol")
	tcfg := taskscheduler.DefaultConfig()
	if v := c[KeyLocalityWait]; v != "" {
		if tcfg.LocalityWait, err = conf.ParseDuration(v, time.Millisecond); err != nil {
			return nil, fmt.Errorf("appmaster: %s = %q: %w", KeyLocalityWait, v, err)
		}
	}
	if v := c[KeyTaskMaxFailures]; v != "" {
		if tcfg.MaxFailures, err = strconv.Atoi(v); err != nil {
			return nil, fmt.Errorf("appmaster: %s = %q: want a whole number", KeyTaskMaxFailures, v)
		}
	}
	poll := 10 * time.Second
	if v := c[KeyMarkerPoll]; v != "" {
		if poll, err = conf.ParseDuration(v, time.Millisecond); err != nil || poll <= 0 {
			return nil, fmt.Errorf("appmaster: %s = %q: want a positive duration such as 10s", KeyMarkerPoll, v)
		}
	}
	stopTimeout := defaultStopTimeoutBatches * batch
	if v := c[KeyStopTimeout]; v != "" {
		if stopTimeout, err = conf.ParseDuration(v, time.Millisecond); err != nil || stopTimeout <= 0 {
			return nil, fmt.Errorf("appmaster: %s = %q: want a positive duration such as 30s", KeyStopTimeout, v)
		}
	}
	if err := checkConcurrentJobs(c[KeyConcurrentJobs], lg); err != nil {
		return nil, err
	}
	chunkOffsets, err := driver.ChunkOffsets(c)
	if err != nil {
		return nil, err
	}
	minTasks, err := driver.MinPartitions(c)
	if err != nil {
		return nil, err
	}
	// The executors open the sink; a mistake in its settings is reported
	// here, before any executor starts.
	scfg, err := sink.ConfigFromConf(c)
	if err != nil {
		return nil, err
	}
	if scfg.Kind == sink.KindFile {
		if _, err := SinkDir(c); err != nil {
			return nil, err
		}
	}
	job, err := JobResource(spec)
	if err != nil {
		return nil, err
	}

	return func(ctx context.Context, ep *driver.Endpoint) error {
		store, dir, err := hdfscheckpoint.Open(ctx, ckptURI)
		if err != nil {
			return fmt.Errorf("appmaster: checkpoint dir %s: %w", ckptURI, err)
		}
		defer store.Close()
		retain := 0
		if v := c[hdfscheckpoint.RetainBatchesKey]; v != "" {
			if retain, err = strconv.Atoi(v); err != nil {
				return fmt.Errorf("appmaster: %s = %q: want a whole number", hdfscheckpoint.RetainBatchesKey, v)
			}
		}
		log, err := hdfscheckpoint.NewLog(store, dir, retain, lg.Named("checkpoint"))
		if err != nil {
			return err
		}
		planner, err := kafkasource.NewPlanner(kcfg)
		if err != nil {
			return err
		}
		defer planner.Close()
		rate, err := ratecontrol.NewRateController(rcfg)
		if err != nil {
			return err
		}
		if scfg.Kind == sink.KindKafka {
			// The sink's topics must exist before a batch writes to them.
			scfg.Kafka.ClientConfig, scfg.Kafka.Logger = kcfg.SaramaConfig(), lg.Named("sink")
			ks, err := sink.NewKafkaSink(ctx, scfg.Kafka)
			if err != nil {
				return fmt.Errorf("appmaster: Kafka sink: %w", err)
			}
			ks.Close()
		}
		committer, err := kafkasource.NewGroupCommitter(kcfg)
		if err != nil {
			return err
		}
		defer committer.Close()
		lagMon, err := kafkasource.NewLagMonitor(kcfg, lcfg)
		if err != nil {
			return err
		}
		defer lagMon.Close()
		lagCtx, stopLag := context.WithCancel(ctx)
		lagChecks := watchLag(lagCtx, lagMon, opts.OnLag, lg)
		defer stopLag()
		onBatch := func(b driver.BatchInfo) {
			lagChecks.request(b)
			if opts.OnBatch != nil {
				opts.OnBatch(b)
			}
		}
		ccfg := sdk.DefaultClientConfig()
		ccfg.Path, ccfg.SHA256, ccfg.AppLog, ccfg.Logger = filepath.Join(opts.WorkDir, spec.Application), job.SHA256, opts.AppLog, lg.Named("plugin")
		client, err := sdk.NewClient(ctx, ccfg)
		if err != nil {
			return fmt.Errorf("appmaster: start the job %s as a plugin (is it served with sdk.Serve? a plain driver program needs %s=process): %w", spec.Application, KeyDriverMode, err)
		}
		defer client.Kill()
		caps, err := client.Configure(ctx, c, spec.Args)
		if err != nil {
			return fmt.Errorf("appmaster: configure the job: %w", err)
		}
		marker := hdfscheckpoint.MarkerPath(dir, c[KeyMarker])
		markerPresent := func(ctx context.Context) bool {
			present, err := hdfscheckpoint.MarkerPresent(ctx, store, marker)
			if err != nil && ctx.Err() == nil {
				lg.Warn("poll shutdown marker", zap.String("marker", marker), zap.Error(err))
			}
			return present
		}
		engCtx, cancelEngine := context.WithCancel(ctx)
		defer cancelEngine()
		watchCtx, stopWatching := context.WithCancel(ctx)
		defer stopWatching()
		gs := &gracefulStop{sigterm: opts.Stopping, marker: markerPresent, markerPath: marker, poll: poll, timeout: stopTimeout, logger: lg}
		go gs.watch(watchCtx, cancelEngine)
		var jobIface driver.Job
		if caps.Aggregate {
			jobIface = client
		}
		eng, err := driver.NewEngine(driver.EngineConfig{
			BatchDuration: batch, Planner: planner, Rate: rate, Log: log, Tasks: tcfg, Endpoint: ep,
			Job: jobIface, KeepState: caps.UpdateState, Stop: gs.stopRequested, OnBatch: onBatch, Committer: committer, ChunkOffsets: chunkOffsets, MinTasks: minTasks, Logger: lg.Named("engine"),
		})
		if err != nil {
			return err
		}
		runErr := eng.Run(engCtx)
		stopWatching()
		switch {
		case runErr == nil:
		case gs.timedOut.Load() && ctx.Err() == nil:
			// The stop was asked for and has ended the app: the batch in
			// flight has offsets but no commit, so the next start replays it.
			lg.Warn("graceful stop timed out: the batch in flight is left uncommitted and is replayed at the next start",
				zap.Duration("timeout", stopTimeout), zap.String("key", KeyStopTimeout), zap.Error(runErr))
		default:
			return runErr
		}
		// A stop asked for by the marker: mark it done and, if asked, move
		// the checkpoint aside (the .COMPLETED marker moves with it when it
		// lives in the checkpoint dir).
		if !markerPresent(ctx) {
			return nil
		}
		if err := hdfscheckpoint.CompleteMarker(ctx, store, marker); err != nil {
			lg.Error("rename shutdown marker", zap.String("marker", marker), zap.Error(err))
		} else {
			lg.Info("shutdown marker completed", zap.String("marker", marker+hdfscheckpoint.CompletedSuffix))
		}
		if c[KeyMoveCheckpoint] == "true" {
			moved, err := hdfscheckpoint.MoveCheckpointAside(ctx, store, dir, time.Now())
			if err != nil {
				return fmt.Errorf("appmaster: move checkpoint %s aside: %w", dir, err)
			}
			lg.Info("checkpoint moved aside", zap.String("to", moved))
		}
		return nil
	}, nil
}

// gracefulStop follows the two ways a graceful stop is asked for — SIGTERM
// with spark.streaming.stopGracefullyOnShutdown, and the marker file — and
// bounds the stop by spark.streaming.gracefulStopTimeout: once a stop is
// asked for, the engine has that long to finish its batch before its
// context is cancelled.
type gracefulStop struct {
	sigterm    func() bool
	marker     func(context.Context) bool
	markerPath string
	poll       time.Duration
	timeout    time.Duration
	logger     *zap.Logger

	requested atomic.Bool
	timedOut  atomic.Bool
}

// stopRequested is the engine's Stop: it checks between batches.
func (g *gracefulStop) stopRequested(context.Context) bool { return g.requested.Load() }

// watch looks for a stop request until ctx ends, then cancels the engine
// through cancelEngine if it has not stopped within the timeout.
func (g *gracefulStop) watch(ctx context.Context, cancelEngine func()) {
	tick := time.NewTicker(min(stopCheckInterval, g.poll))
	defer tick.Stop()
	var lastPoll time.Time
	for !g.requested.Load() {
		switch {
		case g.sigterm != nil && g.sigterm():
			g.logger.Info("SIGTERM: stopping gracefully", zap.Duration("timeout", g.timeout))
			g.requested.Store(true)
			continue
		case time.Since(lastPoll) >= g.poll:
			lastPoll = time.Now()
			if g.marker(ctx) {
				g.logger.Info("shutdown marker found: stopping gracefully", zap.String("marker", g.markerPath), zap.Duration("timeout", g.timeout))
				g.requested.Store(true)
				continue
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
	t := time.NewTimer(g.timeout)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
		g.timedOut.Store(true)
		g.logger.Warn("graceful stop not done in time: abandoning the batch in flight", zap.Duration("timeout", g.timeout), zap.String("key", KeyStopTimeout))
		cancelEngine()
	}
}

// SinkDir is spindle.sink.path split into its store URI, or an error.
func SinkDir(c map[string]string) (string, error) {
	p := c[KeySinkPath]
	if p == "" {
		return "", fmt.Errorf("appmaster: no sink: set %s (file:///… or hdfs://…)", KeySinkPath)
	}
	return p, nil
}

// checkConcurrentJobs validates spark.streaming.concurrentJobs. Batches run
// one at a time, each committed before the next starts, so that outputs,
// state and the consumer group always advance in batch order and a replay
// after a restart is a single batch; a larger value is accepted, as
// existing scripts set it, and reported.
func checkConcurrentJobs(v string, lg *zap.Logger) error {
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return fmt.Errorf("appmaster: %s = %q: want a whole number of at least 1 (Spindle runs 1)", KeyConcurrentJobs, v)
	}
	if n > 1 {
		lg.Warn("batches run one at a time so that they commit in order; the setting is treated as 1",
			zap.String("key", KeyConcurrentJobs), zap.Int("value", n))
	}
	return nil
}
