package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spindlehq/spindle/devcluster"
	"github.com/spindlehq/spindle/logging"
	"github.com/urfave/cli/v2"
)

// Bounds of stopping `spindle dev`: the demo's graceful stop (the job
// catching up, then the marker) and then the daemons'.
const (
	devDemoStopTimeout    = 2 * time.Minute
	devClusterStopTimeout = time.Minute
)

func devCommand() *cli.Command {
	def := devcluster.DefaultConfig()
	return &cli.Command{
		Name:  "dev",
		Usage: "run a cluster on this machine (an RM, NodeManagers, Kafka); with --demo, the retail example on it",
		Description: "Starts a ResourceManager and NodeManagers, each its own process, an in-process Kafka broker and a\n" +
			"file:// checkpoint root, all under --dir, and prints their addresses. With --demo it builds\n" +
			"examples/retail from the source tree it runs in, produces transactions at a retail day's rates\n" +
			"compressed in time, submits the job and prints a line per batch. A daemon that dies is started\n" +
			"again on its addresses, as a supervisor would. With --hosts every daemon, Kafka and HDFS runs on\n" +
			"a test host of its own (a network namespace with its own address). Ctrl-C stops everything.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Value: def.Dir, Usage: "directory for the cluster's state, logs, checkpoints and output (emptied at start)"},
			&cli.BoolFlag{Name: "demo", Usage: "run the retail example with generated transactions"},
			&cli.Float64Flag{Name: "rate", Value: devcluster.DefaultRate, Usage: "with --demo, transactions per second outside the peaks (peaks are 24/17 of it)"},
			&cli.DurationFlag{Name: "day", Value: devcluster.DefaultDay, Usage: "with --demo, how long one store day lasts"},
			&cli.DurationFlag{Name: "duration", Usage: "stop after this long (0: at Ctrl-C); with --demo, then check the sink and exit non-zero on a mismatch"},
			&cli.StringFlag{Name: "source", Usage: "with --demo, the Spindle source tree to build the job from (default: the one the current directory is in)"},
			&cli.BoolFlag{Name: "random-ports", Usage: "bind the RM and Kafka to ports the OS chooses instead of 8032, 8031, 8088 and 9092"},
			&cli.BoolFlag{Name: "hosts", Usage: "run the RM, each NodeManager, Kafka and HDFS each on a test host of its own (network namespaces on a bridge; needs root, iproute2, nftables and iptables)"},
			&cli.BoolFlag{Name: "hdfs", Usage: "also run an in-process HDFS; the demo keeps its checkpoint there"},
			&cli.IntFlag{Name: "nodemanagers", Value: def.NodeManagers, Usage: "number of NodeManagers"},
			&cli.IntFlag{Name: "rms", Value: def.RMs, Usage: "number of ResourceManagers: 1, or an odd number for an HA group (on one machine rm1 on ports 8032/8031/8088, rm2 on those plus 100, …; with --hosts each RM on a test host of its own at YARN's ports)"},
			&cli.StringFlag{Name: "nm-memory", Value: def.NMMemory, Usage: "memory of each NodeManager (yarn.nodemanager.resource.memory-mb)"},
			&cli.IntFlag{Name: "nm-vcores", Value: def.NMVCores, Usage: "vcores of each NodeManager (yarn.nodemanager.resource.cpu-vcores)"},
		},
		Action: runDev,
	}
}

// runDev runs `spindle dev`. The first SIGINT or SIGTERM stops it
// gracefully (the demo's application by its shutdown marker, then the
// daemons); a second one stops at once.
func runDev(c *cli.Context) error {
	out := c.App.Writer
	if c.Args().Present() {
		return fmt.Errorf("dev takes no arguments, got %q", c.Args().Slice())
	}
	traffic := devcluster.RetailDay{Rate: c.Float64("rate"), Day: c.Duration("day")}
	if err := traffic.Validate(); err != nil {
		return err
	}
	if c.Duration("duration") < 0 {
		return fmt.Errorf("--duration %v: want 0 (until Ctrl-C) or more", c.Duration("duration"))
	}
	lc := logging.DefaultConfig()
	lc.Level = logging.LevelWarn
	lc.Stderr = c.App.ErrWriter
	lg, closeLog, err := logging.New(lc)
	if err != nil {
		return err
	}
	defer closeLog.Close()

	runCtx, stopRun := context.WithCancel(c.Context)
	defer stopRun()
	hardCtx, stopHard := context.WithCancel(context.Background())
	defer stopHard()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; !ok {
			return
		}
		fmt.Fprintln(out, "\nStopping (Ctrl-C again to stop at once)…")
		stopRun()
		if _, ok := <-sigs; ok {
			stopHard()
		}
	}()

	var job, regions string
	if c.Bool("demo") {
		if job, regions, err = buildDemoJob(runCtx, out, c.String("source"), c.String("dir")); err != nil {
			return err
		}
	}
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("dev: find the spindle binary: %w", err)
	}
	cfg := devcluster.DefaultConfig()
	cfg.Dir, cfg.Binary, cfg.RandomPorts = c.String("dir"), bin, c.Bool("random-ports")
	cfg.Hosts, cfg.HDFS = c.Bool("hosts"), c.Bool("hdfs")
	cfg.NodeManagers, cfg.NMMemory, cfg.NMVCores = c.Int("nodemanagers"), c.String("nm-memory"), c.Int("nm-vcores")
	cfg.RMs = c.Int("rms")
	cfg.Out, cfg.Logger = out, lg.Named("devcluster")
	fmt.Fprintf(out, "Starting a Spindle dev cluster in %s…\n", cfg.Dir)
	cluster, err := devcluster.Start(runCtx, cfg)
	if err != nil {
		return err
	}
	stopCluster := func() error {
		ctx, cancel := context.WithTimeout(hardCtx, devClusterStopTimeout)
		defer cancel()
		err := cluster.Stop(ctx)
		fmt.Fprintln(out, "Spindle dev stopped: its daemons and their containers have exited.")
		return err
	}
	printDevInfo(out, cluster.Info())

	var demo *devcluster.Demo
	if c.Bool("demo") {
		dc := devcluster.DefaultDemoConfig()
		dc.Job, dc.Regions, dc.Traffic = job, regions, traffic
		dc.Out, dc.Logger = out, lg.Named("demo")
		if demo, err = devcluster.StartDemo(runCtx, cluster, dc); err != nil {
			return errors.Join(err, stopCluster())
		}
		defer demo.Close()
	}
	if c.Duration("duration") == 0 {
		fmt.Fprintln(out, "Press Ctrl-C to stop.")
	}

	var timeout <-chan time.Time
	if d := c.Duration("duration"); d > 0 {
		timeout = time.After(d)
	}
	var ended <-chan struct{}
	if demo != nil {
		ended = demo.Ended()
	}
	// A daemon that dies is started again by the cluster's supervisor,
	// which says so on out: the cluster runs on until stopped.
	var runErr error
	select {
	case <-runCtx.Done():
	case <-timeout:
		fmt.Fprintf(out, "\n%v elapsed: stopping.\n", c.Duration("duration"))
	case <-ended:
		runErr = demo.EndedError()
	}
	if demo != nil && runErr == nil {
		ctx, cancel := context.WithTimeout(hardCtx, devDemoStopTimeout)
		_, runErr = demo.Stop(ctx)
		cancel()
	}
	return errors.Join(runErr, stopCluster())
}

// buildDemoJob finds the source tree and builds the retail job into its
// bin/ with `go build`, which keeps an up-to-date binary as it is.
func buildDemoJob(ctx context.Context, out io.Writer, source, dir string) (job, regions string, err error) {
	src := source
	if src == "" {
		if src, err = devcluster.FindSource("."); err != nil {
			return "", "", err
		}
	} else if src, err = filepath.Abs(src); err != nil {
		return "", "", err
	}
	job = filepath.Join(src, "bin", "retail")
	fmt.Fprintf(out, "Building the demo job: go build -o %s %s (in %s)…\n", job, devcluster.RetailPackage, src)
	if err := devcluster.BuildJob(ctx, src, devcluster.RetailPackage, job); err != nil {
		return "", "", err
	}
	return job, filepath.Join(src, devcluster.RetailRegions), nil
}

// printDevInfo prints where the cluster serves.
func printDevInfo(w io.Writer, in devcluster.Info) {
	fmt.Fprintf(w, "\nSpindle dev cluster is up (spindle dev pid %d, files in %s)\n", os.Getpid(), in.Dir)
	if len(in.RMs) == 0 {
		fmt.Fprintf(w, "  ResourceManager   pid %-7d rpc %s   REST https://%s/ws/v1/cluster/apps   metrics https://%s/metrics\n",
			in.RMPID, in.RM.Client, in.RM.Web, in.RM.Web)
	}
	for _, rm := range in.RMs {
		fmt.Fprintf(w, "  ResourceManager %s pid %-7d rpc %s   REST https://%s/ws/v1/cluster/apps   metrics https://%s/metrics\n",
			rm.ID, rm.PID, rm.Client, rm.Web, rm.Web)
	}
	if len(in.RMs) > 0 {
		fmt.Fprintf(w, "  HA group of %d ResourceManagers: spindle rmadmin -getAllServiceState shows which is active\n", len(in.RMs))
	}
	for i, nm := range in.NodeManagers {
		fmt.Fprintf(w, "  NodeManager %d     pid %-7d node %s   REST https://%s/ws/v1/node/containers   metrics https://%s/metrics\n",
			i, nm.PID, nm.NodeID, nm.Web, nm.Web)
	}
	topics := make([]string, 0, len(in.Topics))
	for name, parts := range in.Topics {
		topics = append(topics, fmt.Sprintf("%s (%d partitions)", name, parts))
	}
	sort.Strings(topics)
	fmt.Fprintf(w, "  Kafka             %s (in this process; topics %s; others are created on first use)\n", strings.Join(in.Kafka, ","), strings.Join(topics, ", "))
	fmt.Fprintf(w, "  Checkpoints       %s\n", in.CheckpointRoot)
	if in.HDFS != "" {
		fmt.Fprintf(w, "  HDFS              %s (in this process; the demo's checkpoint is there)\n", in.HDFS)
	}
	if len(in.Hosts) > 0 {
		names := make([]string, 0, len(in.Hosts))
		for name := range in.Hosts {
			names = append(names, name)
		}
		sort.Strings(names)
		var hosts []string
		for _, name := range names {
			hosts = append(hosts, name+" "+in.Hosts[name])
		}
		fmt.Fprintf(w, "  Test hosts        %s (network namespaces: ip netns exec spindle-<slot>-<name> …)\n", strings.Join(hosts, ", "))
	}
	rmLogs := in.Dir + "/rm/logs"
	if len(in.RMs) > 0 {
		rmLogs = in.Dir + "/rm*/logs"
	}
	fmt.Fprintf(w, "  Logs              %s, %s/nm*/logs; containers' in %s/nm*/nm-logs\n", rmLogs, in.Dir, in.Dir)
	fmt.Fprintf(w, "  Client conf       export SPINDLE_CONF_DIR=%s   (spindle application -list, spindle node -list, spindle submit --master yarn …)\n", in.ConfDir)
	if in.TLS.CA != "" {
		fmt.Fprintf(w, "  Certificates      %s (you are user %s); curl the endpoints with: curl %s https://…\n", in.TLS.Dir, in.TLS.User, in.CurlFlags())
	}
}
