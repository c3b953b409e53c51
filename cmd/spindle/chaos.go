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
		Usage: "run the retail example on a local cluster while injecting faults at random, and check nothing was lost",
		Description: "Starts a ResourceManager and NodeManagers (each its own process), an in-process Kafka broker and\n" +
			"checkpoints on file:// or an in-process HDFS, produces retail transactions at --rate and runs\n" +
			"examples/retail on it. With --hosts N the cluster is spread over N test hosts (network namespaces\n" +
			"with their own addresses; needs root): the RM, Kafka and HDFS each on its own, a NodeManager on\n" +
			"each of the others. For --duration it injects the --faults at random (every kind once first, in an\n" +
			"order --seed decides): SIGKILLs of an executor, the ApplicationMaster, a NodeManager or the\n" +
			"ResourceManager (brought back by their supervisor); with --hosts also a partition (a host cut off\n" +
			"from the RM, from every host, or one way), a whole-host crash (its NodeManager back later), a slow\n" +
			"link (delay or loss), and Kafka's or HDFS's host ceasing to answer for a while. With --overlap a\n" +
			"fault may begin before the last is over. Then it stops the application gracefully, checks that the\n" +
			"sink, the dead letters and the state hold every transaction exactly once, prints how each kind of\n" +
			"fault was recovered from, and writes report.json, summary.txt, timeline.svg (and .png), the\n" +
			"producer's ledger.csv.gz and the final state.json to --out. It exits non-zero when a record was lost\n" +
			"or duplicated, the application failed or a fault was not recovered from. --verify DIR checks a\n" +
			"finished run's output in DIR against its ledger again.",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "duration", Value: def.Duration, Usage: "how long to keep injecting faults, from the first batch"},
			&cli.DurationFlag{Name: "interval", Value: def.Interval, Usage: "mean time from recovering from one fault to the next (with --overlap: between faults)"},
			&cli.Uint64Flag{Name: "seed", Value: def.Seed, Usage: "seed of the kinds, times and victims of the faults"},
			&cli.Float64Flag{Name: "rate", Value: def.Rate, Usage: "transactions produced per second"},
			&cli.IntFlag{Name: "hosts", Usage: "spread the cluster over this many test hosts, 5 or more (0: all on this machine)"},
			&cli.StringFlag{Name: "faults", Usage: "kinds of fault, comma-separated: executor,am,nm,rm (and with --hosts) partition,host,slow,kafka,hdfs (default: every kind the run can have)"},
			&cli.BoolFlag{Name: "overlap", Usage: "let faults overlap: the next may begin before the application recovered from the last"},
			&cli.DurationFlag{Name: "fault-min", Value: def.FaultMin, Usage: "shortest a network fault (partition, slow, kafka, hdfs) lasts"},
			&cli.DurationFlag{Name: "fault-max", Value: def.FaultMax, Usage: "longest a network fault lasts"},
			&cli.DurationFlag{Name: "host-down", Value: def.HostDown, Usage: "how long a crashed host stays down"},
			&cli.StringFlag{Name: "checkpoint", Usage: "where the checkpoint lives: file, or hdfs (an in-process HDFS) (default: hdfs with --hosts, else file)"},
			&cli.StringFlag{Name: "out", Value: def.Out, Usage: "directory for the report, the plot, the ledger and the cluster's files (emptied if an earlier run wrote it)"},
			&cli.StringFlag{Name: "verify", Usage: "check the output of the finished run in this directory against its ledger again, and exit"},
			&cli.StringFlag{Name: "job", Usage: "the retail job binary (default: build ./examples/retail from the source tree)"},
			&cli.StringFlag{Name: "source", Usage: "the Spindle source tree to build the job from (default: the one the current directory is in)"},
			&cli.DurationFlag{Name: "batch-duration", Value: def.BatchDuration, Usage: "the job's spindle.streaming.batchDuration"},
			&cli.IntFlag{Name: "executors", Value: def.Executors, Usage: "the job's executors"},
			&cli.IntFlag{Name: "nodemanagers", Value: def.NodeManagers, Usage: "number of NodeManagers (with --hosts: hosts − 3)"},
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
	if dir := c.String("verify"); dir != "" {
		return verifyChaos(c, dir)
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
	cfg.Hosts, cfg.Overlap = c.Int("hosts"), c.Bool("overlap")
	cfg.FaultMin, cfg.FaultMax, cfg.HostDown = c.Duration("fault-min"), c.Duration("fault-max"), c.Duration("host-down")
	if cfg.Hosts > 0 && !c.IsSet("nodemanagers") {
		cfg.NodeManagers = cfg.Hosts - 3
	}
	if c.IsSet("faults") {
		if cfg.Faults, err = chaos.ParseKinds(c.String("faults")); err != nil {
			return fmt.Errorf("--faults: %w", err)
		}
	}
	cfg.Binary, cfg.Stdout, cfg.Logger = bin, c.App.Writer, lg.Named("chaos")
	ctx, stop := signal.NotifyContext(c.Context, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	_, err = chaos.Run(ctx, cfg)
	if ctx.Err() != nil && err != nil {
		return fmt.Errorf("chaos: interrupted: %w", err)
	}
	return err
}

// verifyChaos checks a finished run's output again and prints the
// verdict.
func verifyChaos(c *cli.Context, dir string) error {
	v, err := chaos.Verify(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "Sink: %d lines, dead letters: %d; lost %d, duplicates %d, unexpected %d; revenue per store and state checked against %s.\n",
		v.SinkLines, v.DeadLetters, v.Lost, v.Duplicates, v.Unexpected, chaos.LedgerFile)
	if err := v.Err(); err != nil {
		fmt.Fprintln(c.App.Writer, "Verdict: FAIL")
		return err
	}
	fmt.Fprintln(c.App.Writer, "Verdict: PASS")
	return nil
}
