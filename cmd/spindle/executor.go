package main

import (
	"context"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/spindlehq/spindle/appmaster"
	"github.com/spindlehq/spindle/executor"
	"github.com/spindlehq/spindle/logging"
	"github.com/urfave/cli/v2"
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
			cfg.DriverAddress = os.Getenv(appmaster.EnvDriverAddress)
			cfg.ExecutorID = os.Getenv(appmaster.EnvExecutorID)
			cfg.ContainerID = os.Getenv("CONTAINER_ID")
			cfg.Host = os.Getenv("NM_HOST")
			if n, err := strconv.Atoi(os.Getenv(appmaster.EnvExecutorCores)); err == nil {
				cfg.Cores = int32(n)
			}
			lg, closer, err := logging.New(logging.DefaultConfig())
			if err != nil {
				return err
			}
			defer closer.Close()
			cfg.Logger = lg.Named("executor")
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return executor.Run(ctx, cfg)
		},
	}
}
