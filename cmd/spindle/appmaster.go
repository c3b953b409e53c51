package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/appmaster"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/launch"
	"github.com/urfave/cli/v2"
	"google.golang.org/protobuf/proto"
)

// appMasterCommand runs inside the AM container, started by the RM through
// an NM; everything it needs is in its environment and launch spec.
func appMasterCommand() *cli.Command {
	return &cli.Command{
		Name:   "appmaster",
		Usage:  "run an ApplicationMaster (started by a NodeManager)",
		Hidden: true,
		Action: func(c *cli.Context) error {
			spec, err := launch.ReadSpec(".")
			if err != nil {
				return err
			}
			cfg := appmaster.ConfigFromSpec(spec)
			raw, err := base64.StdEncoding.DecodeString(os.Getenv(launch.EnvAttemptToken))
			if err != nil {
				return fmt.Errorf("appmaster: %s is not base64: %w", launch.EnvAttemptToken, err)
			}
			tok := &pb.Token{}
			if err := proto.Unmarshal(raw, tok); err != nil {
				return fmt.Errorf("appmaster: %s: %w", launch.EnvAttemptToken, err)
			}
			cfg.AttemptToken = tok
			if cfg.Credentials, err = appmaster.CredentialsFromEnv(os.Getenv); err != nil {
				return err
			}
			if !spec.Settings.Bool(conf.KeyACLsEnable) {
				// As Spark's UI with spark.acls.enable=false; the RM and
				// NMs still check the application's lists.
				cfg.Credentials.ViewACL = nil
			}
			cfg.RMAddress = os.Getenv(launch.EnvRMAddress)
			cfg.AttemptID = os.Getenv(launch.EnvAttemptID)
			cfg.Host = os.Getenv(launch.EnvNMHost)
			cfg.LocalResources = append(cfg.LocalResources, launch.SpecResourceFromEnv()...)
			lg, appLog, closeLogs, err := containerLoggers(spec)
			if err != nil {
				return err
			}
			defer closeLogs()
			cfg.Logger = lg.Named("appmaster")

			// SIGTERM stops the driver gracefully when
			// spark.streaming.stopGracefullyOnShutdown is set, as YARN
			// cluster mode cannot; otherwise it ends the AM at once.
			graceful := spec.Settings.Bool(conf.KeyStopGracefully)
			var stopping atomic.Bool
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sigs := make(chan os.Signal, 2)
			signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
			go func() {
				for range sigs {
					if graceful && !stopping.Load() {
						lg.Info("SIGTERM: stopping gracefully (spark.streaming.stopGracefullyOnShutdown)")
						stopping.Store(true)
						continue
					}
					cancel()
				}
			}()
			// The AM serves these on its tracking URL; the streaming
			// driver feeds them each batch.
			mcfg := appmaster.MetricsConfigFromApp(spec.Settings)
			mcfg.AttemptID, mcfg.AppName = cfg.AttemptID, spec.Settings.String(conf.KeyAppName)
			metrics := appmaster.NewMetrics(mcfg)
			closeEventLog, err := appmaster.StartEventLog(ctx, spec.Settings, metrics, lg.Named("eventlog"))
			if err != nil {
				return err
			}
			if cfg.DriverAddress == "" && len(cfg.DriverCommand) == 0 {
				job, err := spec.JobResource()
				if err != nil {
					return err
				}
				wd, _ := os.Getwd()
				cfg.RunDriver, err = driver.NewStreaming(driver.StreamingConfig{
					Conf: spec.Conf, Settings: spec.Settings, JobPath: filepath.Join(wd, spec.Application), JobSHA256: job.SHA256, Args: spec.Args,
					JobEnv: spec.Settings.Family(conf.KeyAppMasterEnv),
					AppLog: appLog, Stopping: stopping.Load, OnBatch: metrics.OnBatch, OnLag: metrics.OnLag,
					OnBatchStart: metrics.OnBatchStart, OnEvent: metrics.OnExecutorEvent, Epoch: cfg.AttemptID, OnReceivers: metrics.OnReceivers, Logger: lg.Named("driver"),
				})
				if err != nil {
					return err
				}
			}
			am, err := appmaster.New(cfg)
			if err != nil {
				return err
			}
			am.SetMetrics(metrics)
			code, err := am.Run(ctx)
			// A run that ends 0 unregistered: the application is over.
			closeEventLog(code == 0)
			if code != 0 {
				return cli.Exit(fmt.Sprintf("appmaster: %v", err), code)
			}
			return nil
		},
	}
}
