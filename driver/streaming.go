package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/ratecontrol"
	"github.com/spindlehq/spindle/streaming/sink"
	"github.com/spindlehq/spindle/streaming/wal"
	"go.uber.org/zap"
)

// Program is a driver as its host runs it: it serves the application
// through ep until the application's driver ends, and returns nil when it
// ended well. The ApplicationMaster hosts it in cluster mode, `spindle
// submit` in client mode.
type Program func(ctx context.Context, ep *Endpoint) error

// StreamingConfig is what the streaming driver of a Spindle job needs.
type StreamingConfig struct {
	// Conf holds the application's effective spark.* and spindle.* keys, as
	// given: what the job is configured with.
	Conf map[string]string
	// Settings are Conf's application keys as submit checked and parsed
	// them: what the driver acts on.
	Settings conf.AppConf
	// JobPath is the job binary, run as a plugin for the driver-side
	// calls (Configure, Reduce, UpdateState).
	JobPath string
	// JobSHA256 is the SHA-256 (hex) the binary must have: the staged one,
	// which the executors check too.
	JobSHA256 string
	// Args are the job's arguments.
	Args []string
	// JobEnv is added to the job plugin's environment (the AM's): in
	// cluster mode spark.yarn.appMasterEnv.*, so that the job's Configure
	// finds what its executors find in spark.executorEnv.*.
	JobEnv map[string]string
	// AppLog receives the job's own log lines.
	AppLog io.Writer
	// Stopping reports a SIGTERM when spark.streaming.stopGracefullyOnShutdown is set.
	Stopping func() bool
	// OnBatch is told of each completed batch.
	OnBatch func(BatchInfo)
	// OnLag is told of each of the lag monitor's measurements.
	OnLag func([]LagSample)
	// Epoch is the application attempt running the driver (appattempt_…):
	// it claims the checkpoint and the file sink for the attempt, so that
	// writes of older attempts fail (ErrFenced), and its tasks carry it.
	// Empty: nothing is fenced.
	Epoch string
	// OnBatchStart and OnEvent are the engine's (Config): the Streaming
	// tab's active batch, executors and task ends.
	OnBatchStart func(time.Time)
	OnEvent      func(Event)
	// OnReceivers is given, once the driver knows the job's receivers, a
	// function that returns their states (the streaming REST API's
	// receivers); not called for a job without receivers.
	OnReceivers func(states func() []ReceiverState)
	// Logger receives the driver's log; nil logs nothing.
	Logger *zap.Logger
}

// NewStreaming checks the application's streaming settings and returns
// the driver of a Spindle job: micro-batches from Kafka, tasks on the
// executors, state and commits in the checkpoint, and the graceful stop by
// marker file or SIGTERM.
func NewStreaming(opts StreamingConfig) (Program, error) {
	lg := opts.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	set, err := newStreamingSettings(opts.Settings, true)
	if err != nil {
		return nil, err
	}
	set.warnConcurrentJobs(lg)
	kcfg, lcfg, rcfg, scfg, batch := set.kafka, set.lag, set.rate, set.sink, set.batch
	kcfg.Logger, lcfg.Logger, rcfg.Logger = lg.Named("kafka"), lg.Named("lag"), lg.Named("ratecontrol")
	if opts.JobPath == "" {
		return nil, errors.New("driver: no job binary to run")
	}
	var epoch ids.AttemptID
	if opts.Epoch != "" {
		if epoch, err = ids.ParseAttemptID(opts.Epoch); err != nil {
			return nil, fmt.Errorf("driver: epoch: %w", err)
		}
	}

	return func(ctx context.Context, ep *Endpoint) error {
		store, dir, err := dfs.Open(ctx, set.checkpointDir)
		if err != nil {
			return fmt.Errorf("driver: checkpoint dir %s: %w", set.checkpointDir, err)
		}
		defer store.Close()
		log, err := hdfscheckpoint.NewLog(store, dir, set.retainBatches, lg.Named("checkpoint"))
		if err != nil {
			return err
		}
		log = log.WithURI(set.checkpointDir) // errors then give a way out that can be run as it stands
		var fenced *fences
		if opts.Epoch != "" {
			if fenced, err = claimFences(ctx, epoch, store, dir, scfg, lg); err != nil {
				return err
			}
			defer fenced.close()
			log = log.WithFence(fenced.ckpt)
		}
		var planner Planner
		if set.kafkaSource {
			p, err := kafkasource.NewPlanner(kcfg)
			if err != nil {
				return err
			}
			defer p.Close()
			planner = p
		}
		rate, err := ratecontrol.NewRateController(rcfg)
		if err != nil {
			return err
		}
		if scfg.Kind == sink.KindKafka {
			// The sink's topics must exist before a batch writes to them.
			scfg.Kafka.ClientConfig, scfg.Kafka.Logger = kcfg.SaramaConfig(), lg.Named("sink")
			ks, err := sink.NewKafkaSink(ctx, scfg.Kafka)
			if err != nil {
				return fmt.Errorf("driver: Kafka sink: %w", err)
			}
			ks.Close()
		}
		var committer OffsetCommitter
		onBatchStarted := func(b BatchInfo) {
			if opts.OnBatchStart != nil {
				opts.OnBatchStart(b.Time)
			}
		}
		onBatch := func(b BatchInfo) {
			if opts.OnBatch != nil {
				opts.OnBatch(b)
			}
		}
		if set.kafkaSource {
			gc, err := kafkasource.NewGroupCommitter(kcfg)
			if err != nil {
				return err
			}
			defer gc.Close()
			committer = gc
			lagMon, err := kafkasource.NewLagMonitor(kcfg, lcfg)
			if err != nil {
				return err
			}
			defer lagMon.Close()
			lagCtx, stopLag := context.WithCancel(ctx)
			lagChecks := watchLag(lagCtx, lagMon, batch, opts.OnLag, lg)
			defer stopLag()
			onBatchStarted = func(b BatchInfo) {
				lagChecks.started(b)
				if opts.OnBatchStart != nil {
					opts.OnBatchStart(b.Time)
				}
			}
			onBatch = func(b BatchInfo) {
				lagChecks.request(b)
				if opts.OnBatch != nil {
					opts.OnBatch(b)
				}
			}
		}
		ccfg := sdk.DefaultClientConfig()
		ccfg.Path, ccfg.SHA256, ccfg.AppLog, ccfg.Logger = opts.JobPath, opts.JobSHA256, opts.AppLog, lg.Named("plugin")
		for _, k := range slices.Sorted(maps.Keys(opts.JobEnv)) {
			ccfg.Env = append(ccfg.Env, k+"="+opts.JobEnv[k])
		}
		client, err := sdk.NewClient(ctx, ccfg)
		if err != nil {
			return fmt.Errorf("driver: start the job %s as a plugin (is it served with sdk.Serve? a plain driver program needs %s=%s): %w", opts.JobPath, conf.KeyDriverMode, conf.DriverModeProcess, err)
		}
		defer client.Kill()
		caps, err := client.Configure(ctx, opts.Conf, opts.Args)
		if err != nil {
			return fmt.Errorf("driver: configure the job: %w", err)
		}
		if !set.kafkaSource && len(caps.Receivers) == 0 {
			return errNoInput()
		}
		if err := set.receivers.check(len(caps.Receivers)); err != nil {
			return err
		}
		var receivers *ReceiversConfig
		if len(caps.Receivers) > 0 {
			var w *wal.Log
			if set.receivers.wal {
				wcfg := wal.DefaultConfig()
				wcfg.Store, wcfg.Dir, wcfg.Logger = store, dir, lg.Named("wal")
				wcfg.RollingInterval, wcfg.MaxFailures = set.receivers.metaRolling, set.receivers.metaFailures
				if w, err = wal.New(wcfg); err != nil {
					return err
				}
			}
			receivers = set.receivers.receiversConfig(caps.Receivers, w)
		}
		marker := hdfscheckpoint.MarkerPath(dir, set.marker)
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
		gs := &gracefulStop{sigterm: opts.Stopping, marker: markerPresent, markerPath: marker, poll: set.markerPoll, timeout: set.stopTimeout, logger: lg}
		go gs.watch(watchCtx, cancelEngine)
		var jobIface Job
		if caps.Aggregate {
			jobIface = client
		}
		var stages *StagesConfig
		if specs := client.Stages(); len(specs) > 0 {
			sc := StagesConfigFromApp(opts.Settings, specs)
			stages = &sc
		}
		eng, err := NewEngine(EngineConfig{
			BatchDuration: batch, Planner: planner, Rate: rate, Log: log, Tasks: set.tasks, Endpoint: ep, NetworkTimeout: set.liveness.NetworkTimeout,
			Job: jobIface, KeepState: caps.UpdateState, Stop: gs.stopRequested, OnBatchStarted: onBatchStarted, OnBatch: onBatch, OnEvent: opts.OnEvent, Committer: committer,
			ChunkOffsets: set.chunkOffsets, MinTasks: set.minTasks, Stages: stages, Receivers: receivers, Epoch: opts.Epoch, Logger: lg.Named("engine"),
		})
		if err != nil {
			return err
		}
		if receivers != nil && opts.OnReceivers != nil {
			opts.OnReceivers(eng.Receivers)
		}
		runErr := eng.Run(engCtx)
		stopWatching()
		switch {
		case runErr == nil:
		case gs.timedOut.Load() && ctx.Err() == nil:
			// The stop was asked for and has ended the app: the batch in
			// flight has offsets but no commit, so the next start replays it.
			lg.Warn("graceful stop timed out: the batch in flight is left uncommitted and is replayed at the next start",
				zap.Duration("timeout", set.stopTimeout), zap.String("key", conf.KeyGracefulStopTimeout), zap.Error(runErr))
		default:
			return runErr
		}
		if fenced != nil {
			fenced.release(ctx)
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
		if set.moveCheckpoint {
			moved, err := hdfscheckpoint.MoveCheckpointAside(ctx, store, dir, time.Now())
			if err != nil {
				return fmt.Errorf("driver: move checkpoint %s aside: %w", dir, err)
			}
			lg.Info("checkpoint moved aside", zap.String("to", moved))
		}
		return nil
	}, nil
}
