package appmaster

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/driver/taskscheduler"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/ratecontrol"
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
	KeyLocalityWait      = "spark.locality.wait"
	KeyTaskMaxFailures   = "spark.task.maxFailures"
	DriverModePlugin     = "plugin"
	DriverModeProcess    = "process"
	defaultBatchDuration = time.Second
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
	Logger  *zap.Logger
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
		if poll, err = conf.ParseDuration(v, time.Millisecond); err != nil {
			return nil, fmt.Errorf("appmaster: %s = %q: %w", KeyMarkerPoll, v, err)
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
		var lastPoll time.Time
		stop := func(ctx context.Context) bool {
			if opts.Stopping != nil && opts.Stopping() {
				return true
			}
			if time.Since(lastPoll) < poll {
				return false
			}
			lastPoll = time.Now()
			present, err := hdfscheckpoint.MarkerPresent(ctx, store, marker)
			if err != nil {
				lg.Warn("poll shutdown marker", zap.String("marker", marker), zap.Error(err))
			}
			if present {
				lg.Info("shutdown marker found: stopping gracefully", zap.String("marker", marker))
			}
			return present
		}
		var jobIface driver.Job
		if caps.Aggregate {
			jobIface = client
		}
		eng, err := driver.NewEngine(driver.EngineConfig{
			BatchDuration: batch, Planner: planner, Rate: rate, Log: log, Tasks: tcfg, Endpoint: ep,
			Job: jobIface, KeepState: caps.UpdateState, Stop: stop, OnBatch: opts.OnBatch, Logger: lg.Named("engine"),
		})
		if err != nil {
			return err
		}
		if err := eng.Run(ctx); err != nil {
			return err
		}
		// Graceful stop: mark it done and, if asked, move the checkpoint aside.
		if present, _ := hdfscheckpoint.MarkerPresent(ctx, store, marker); present {
			if err := hdfscheckpoint.CompleteMarker(ctx, store, marker); err != nil {
				lg.Error("rename shutdown marker", zap.String("marker", marker), zap.Error(err))
			}
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

// SinkDir is spindle.sink.path split into its store URI, or an error.
func SinkDir(c map[string]string) (string, error) {
	p := c[KeySinkPath]
	if p == "" {
		return "", fmt.Errorf("appmaster: no sink: set %s (file:///… or hdfs://…)", KeySinkPath)
	}
	return p, nil
}
