package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spindlehq/spindle/chaos"
	"github.com/spindlehq/spindle/logging"
	"github.com/urfave/cli/v2"
)

func chaosCommand() *cli.Command {
	def := chaos.DefaultConfig()
	return &cli.Command{
		Name:  "chaos",
		Usage: "run the retail example on a local cluster while killing its parts at random, and check nothing was lost",
		Description: "Starts a ResourceManager and NodeManagers (each its own process), an in-process Kafka broker and\n" +
			"checkpoints on file:// or an in-process HDFS, produces retail transactions at --rate and runs\n" +
			"examples/retail on it. For --duration it SIGKILLs an executor, the ApplicationMaster, a NodeManager\n" +
			"or the ResourceManager at random (every kind once first, in an order --seed decides), restarting\n" +
			"killed daemons on their addresses. Then it stops the application gracefully, checks that the sink,\n" +
			"the dead letters and the state hold every transaction exactly once, prints how each kind of kill\n" +
			"was recovered from, and writes report.json, summary.txt and timeline.svg (and .png) to --out. It exits\n" +
			"non-zero when a record was lost or duplicated, the application failed or a kill was not recovered from.",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "duration", Value: def.Duration, Usage: "how long to keep killing, from the first batch"},
			&cli.DurationFlag{Name: "interval", Value: def.Interval, Usage: "mean time from recovering from one kill to the next kill"},
			&cli.Uint64Flag{Name: "seed", Value: def.Seed, Usage: "seed of the kinds, times and victims of the kills"},
			&cli.Float64Flag{Name: "rate", Value: def.Rate, Usage: "transactions produced per second"},
			&cli.StringFlag{Name: "checkpoint", Value: def.Checkpoint, Usage: "where the checkpoint lives: file or hdfs (an in-process HDFS)"},
			&cli.StringFlag{Name: "out", Value: def.Out, Usage: "directory for the report, the plot and the cluster's files (emptied if an earlier run wrote it)"},
			&cli.StringFlag{Name: "job", Usage: "the retail job binary (default: build ./examples/retail from the source tree)"},
			&cli.StringFlag{Name: "source", Usage: "the Spindle source tree to build the job from (default: the one the current directory is in)"},
			&cli.DurationFlag{Name: "batch-duration", Value: def.BatchDuration, Usage: "the job's spindle.streaming.batchDuration"},
			&cli.IntFlag{Name: "executors", Value: def.Executors, Usage: "the job's executors"},
			&cli.IntFlag{Name: "nodemanagers", Value: def.NodeManagers, Usage: "number of NodeManagers"},
			&cli.StringFlag{Name: "log-level", Value: logging.LevelWarn, Usage: "level of the run's own log on stderr: debug, info, warn or error"},
		},
		Action: runChaos,
	}
}

// runChaos runs `spindle chaos`. SIGINT or SIGTERM stops the run at once
// (its daemons and their containers with it), without a report.
func runChaos(c *cli.Context) error {
	if c.Args().Present() {
		return fmt.Errorf("chaos takes no arguments, got %q", c.Args().Slice())
	}
	lc := logging.DefaultConfig()
	lc.Level = c.String("log-level")
	lc.Stderr = c.App.ErrWriter
	lg, closeLog, err := logging.New(lc)
	if err != nil {
		return err
	}
	defer closeLog.Close()
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("chaos: find the spindle binary: %w", err)
	}
	cfg := chaos.DefaultConfig()
	cfg.Duration, cfg.Interval, cfg.Seed, cfg.Rate = c.Duration("duration"), c.Duration("interval"), c.Uint64("seed"), c.Float64("rate")
	cfg.Checkpoint, cfg.Out, cfg.Job, cfg.Source = c.String("checkpoint"), c.String("out"), c.String("job"), c.String("source")
	cfg.BatchDuration, cfg.Executors, cfg.NodeManagers = c.Duration("batch-duration"), c.Int("executors"), c.Int("nodemanagers")
	cfg.Binary, cfg.Stdout, cfg.Logger = bin, c.App.Writer, lg.Named("chaos")
	ctx, stop := signal.NotifyContext(c.Context, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	_, err = chaos.Run(ctx, cfg)
	if ctx.Err() != nil && err != nil {
		return fmt.Errorf("chaos: interrupted: %w", err)
	}
	return err
}
