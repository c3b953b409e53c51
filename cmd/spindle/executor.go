package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/executor"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/sink"
	"github.com/spindlehq/spindle/streaming/wal"
	"github.com/urfave/cli/v2"
	"go.uber.org/zap"
)

// executorCommand runs inside an executor container, started by the AM
// through an NM.
func executorCommand() *cli.Command {
	return &cli.Command{
		Name:   "executor",
		Usage:  "run an executor (started by a NodeManager)",
		Hidden: true,
		Action: func(c *cli.Context) error {
			cfg := executor.DefaultConfig()
			cfg.DriverAddress = os.Getenv(launch.EnvDriverAddress)
			cfg.ExecutorID = os.Getenv(launch.EnvExecutorID)
			cfg.ContainerID = os.Getenv(launch.EnvContainerID)
			cfg.Host = os.Getenv(launch.EnvNMHost)
			if n, err := strconv.Atoi(os.Getenv(launch.EnvExecutorCores)); err == nil {
				cfg.Cores = int32(n)
			}
			if secret := os.Getenv(launch.EnvAppSecret); secret != "" {
				var err error
				if cfg.AppKey, err = pki.NewAppKey(secret); err != nil {
					return fmt.Errorf("executor: %s: %w", launch.EnvAppSecret, err)
				}
			}
			spec, specErr := launch.ReadSpec(".")
			lg, appLog, closeLogs, err := containerLoggers(spec)
			if err != nil {
				return err
			}
			defer closeLogs()
			cfg.Logger = lg.Named("executor")
			live := driver.LivenessFromApp(spec.Settings)
			cfg.HeartbeatInterval, cfg.NetworkTimeout = live.HeartbeatInterval, live.NetworkTimeout
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			if specErr != nil || spec.Settings.String(conf.KeyDriverMode) != conf.DriverModePlugin {
				return executor.Run(ctx, cfg)
			}
			cfg.Receivers = executor.NewReceiverHub()
			runner, started, closeRunner, err := jobRunner(ctx, spec, appLog, cfg)
			if err != nil {
				lg.Error("cannot run the job", zap.Error(err))
				return err
			}
			defer closeRunner()
			cfg.Runner = runner
			// The executor registers while its plugin starts; a plugin
			// that cannot start ends the executor.
			runCtx, cancel := context.WithCancelCause(ctx)
			defer cancel(nil)
			go func() {
				if err := <-started; err != nil {
					cancel(err)
				}
			}()
			err = executor.Run(runCtx, cfg)
			if cause := context.Cause(runCtx); cause != nil && ctx.Err() == nil {
				lg.Error("cannot run the job", zap.Error(cause))
				return cause
			}
			return err
		},
	}
}

// jobRunner starts the job's plugin in the background with the Kafka
// reader and the sink the application is configured with; the channel
// receives the start's result.
func jobRunner(ctx context.Context, spec launch.Spec, appLog interface{ Write([]byte) (int, error) }, cfg executor.Config) (*executor.JobRunner, <-chan error, func(), error) {
	job, err := spec.JobResource()
	if err != nil {
		return nil, nil, nil, err
	}
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	var kcfg kafkasource.Config
	var reader executor.RangeReader
	if driver.KafkaSourceSet(spec.Settings) {
		if kcfg, err = kafkasource.ConfigFromApp(spec.Settings); err != nil {
			return nil, nil, nil, err
		}
		kcfg.Logger = cfg.Logger.Named("kafka")
		kr, err := kafkasource.NewReader(kcfg)
		if err != nil {
			return nil, nil, nil, err
		}
		closers = append(closers, func() { kr.Close() })
		reader = kr
	}
	out, closeSink, err := openSink(ctx, spec.Settings, kcfg, cfg.Logger)
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	closers = append(closers, closeSink)
	stages, closeStages, err := executor.StartStages(ctx, executor.StagesSetup{Getenv: os.Getenv, Settings: spec.Settings, NetworkTimeout: cfg.NetworkTimeout, Logger: cfg.Logger})
	if errors.Is(err, executor.ErrNoShuffleSecret) {
		cfg.Logger.Warn("this executor runs no keyed stages", zap.Error(err))
		stages, closeStages, err = nil, func() {}, nil
	}
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	closers = append(closers, closeStages)
	w, closeWAL, err := receiverWAL(ctx, spec.Settings, cfg.Logger)
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	closers = append(closers, closeWAL)
	wd, _ := os.Getwd()
	runner, started, err := executor.StartJobRunner(ctx, executor.JobRunnerConfig{
		// The NM checked the binary's SHA-256 when it localized it.
		JobPath: filepath.Join(wd, spec.Application), JobSHA256: job.SHA256, JobVerified: true, Conf: spec.Conf, Args: spec.Args,
		AppLog: appLog, Reader: reader, Sink: out, Stages: stages, Receivers: cfg.Receivers, WAL: w, Logger: cfg.Logger,
	})
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	return runner, started, func() { runner.Close(); closeAll() }, nil
}

// receiverWAL opens the receivers' write-ahead log under the checkpoint
// directory: receivers write their blocks to it when
// spark.streaming.receiver.writeAheadLog.enable is set, and tasks read
// blocks they do not hold from it.
func receiverWAL(ctx context.Context, settings conf.AppConf, lg *zap.Logger) (*wal.Log, func(), error) {
	uri := settings.String(conf.KeyCheckpointDir)
	store, dir, err := dfs.Open(ctx, uri)
	if err != nil {
		return nil, nil, fmt.Errorf("receivers' write-ahead log in %s: %w", uri, err)
	}
	wcfg := driver.ReceiverWALConfig(settings)
	wcfg.Store, wcfg.Dir, wcfg.Logger = store, dir, lg.Named("wal")
	w, err := wal.New(wcfg)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return w, func() { store.Close() }, nil
}

// openSink opens the sink spindle.sink.kind chooses: files under
// spindle.sink.path, or a Kafka topic reached with the source's client
// settings (kcfg).
func openSink(ctx context.Context, settings conf.AppConf, kcfg kafkasource.Config, lg *zap.Logger) (executor.OutputWriter, func(), error) {
	scfg, err := sink.ConfigFromApp(settings)
	if err != nil {
		return nil, nil, err
	}
	if scfg.Kind == sink.KindKafka {
		scfg.Kafka.ClientConfig = kcfg.SaramaConfig()
		scfg.Kafka.Logger = lg.Named("sink")
		ks, err := sink.NewKafkaSink(ctx, scfg.Kafka)
		if err != nil {
			return nil, nil, err
		}
		return ks, func() {
			if err := ks.Close(); err != nil {
				lg.Warn("closing the Kafka sink", zap.Error(err))
			}
		}, nil
	}
	store, dir, err := dfs.Open(ctx, scfg.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("sink %s: %w", scfg.Path, err)
	}
	return sink.FileSink{Store: store, Dir: dir}, func() { store.Close() }, nil
}
