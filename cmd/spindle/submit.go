package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spindlehq/spindle/resourcemanager/failover"

	"github.com/spindlehq/spindle/client"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/submit"
	"github.com/urfave/cli/v2"
)

// submitCommand is spark-submit: it takes spark-submit's command line as it
// is, so its own flags are parsed by the submit package, not by cli.
func submitCommand() *cli.Command {
	return &cli.Command{
		Name:            "submit",
		Usage:           "submit an application, as spark-submit (see docs/submitting.md)",
		ArgsUsage:       "[options] <job binary> [job args]",
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			env := conf.Discover(conf.SearchDir{}, os.LookupEnv)
			opts, warnings, err := submit.Parse(c.Args().Slice(), submit.ParseOptions{ConfDir: env.Spindle.Path, SparkConfDirs: env.Spark})
			for _, w := range warnings {
				fmt.Fprintln(c.App.ErrWriter, w)
			}
			if err != nil {
				return fmt.Errorf("%w\nRun 'spindle submit --help' for the flags.", err)
			}
			switch opts.Action {
			case submit.ActionHelp:
				fmt.Fprint(c.App.Writer, submit.Usage())
				return nil
			case submit.ActionVersion:
				fmt.Fprintln(c.App.Writer, "spindle", version)
				return nil
			}
			daemon, err := loadSubmitConf(c, opts)
			if err != nil {
				return err
			}
			rm, err := dialSubmitRM(opts, daemon)
			if err != nil {
				return err
			}
			defer rm.Close()
			explain := func(err error) error {
				if opts.Master != "yarn" {
					return err
				}
				return explainNoRM(daemon, err, rmByMaster)
			}
			switch opts.Action {
			case submit.ActionKill:
				return explain(client.Kill(c.Context, rm, opts.AppID, c.App.Writer))
			case submit.ActionStatus:
				return explain(client.Status(c.Context, rm, opts.AppID, c.App.Writer))
			}
			cfg := client.SubmitConfig{Options: opts, TmpDir: daemon.Get("spindle.tmp.dir"), Out: c.App.Writer}
			if opts.DeployMode == "client" {
				// The driver runs here: its log and the job's go to stderr.
				lg, appLog, closeLogs, err := containerLoggers(launch.Spec{Conf: opts.Conf, Settings: opts.Settings})
				if err != nil {
					return err
				}
				defer closeLogs()
				cfg.Logger, cfg.AppLog = lg.Named("driver"), appLog
			}
			ctx, stop := interruptible(c.Context)
			defer stop()
			return explain(client.Submit(ctx, rm, cfg))
		},
	}
}

// loadSubmitConf loads the daemons' configuration that spindle submit
// reads, the ResourceManager's address among it, from Spindle's directory
// (--conf-dir, exported as the other commands export it, or
// SPINDLE_CONF_DIR) and Hadoop's; with --verbose it prints what
// spark-submit --verbose does and which configuration files were read.
func loadSubmitConf(c *cli.Context, opts *submit.Options) (*conf.Config, error) {
	var given conf.SearchDir
	if opts.ConfDirGiven {
		var err error
		if given, err = exportConfDir(opts.ConfDir); err != nil {
			return nil, err
		}
	}
	search := conf.Discover(given, os.LookupEnv)
	daemon, err := conf.Load(conf.LoadOptions{Search: &search})
	if err != nil {
		return nil, err
	}
	if opts.Verbose {
		w := c.App.ErrWriter
		opts.WriteVerbose(w)
		writeConfFiles(w, daemon)
		for _, warning := range daemon.Warnings() {
			fmt.Fprintln(w, "warning:", warning)
		}
		if opts.Master == "yarn" {
			fmt.Fprintf(w, "ResourceManager: %s (%s)\n", daemon.Get("yarn.resourcemanager.address"), rmSource(daemon))
		}
		fmt.Fprintln(w)
	}
	return daemon, nil
}

// dialSubmitRM connects to the RM --master names, with the client secret
// of --conf or the conf dir.
func dialSubmitRM(opts *submit.Options, daemon *conf.Config) (*client.RM, error) {
	addr, err := client.MasterAddress(opts.Master, daemon)
	if err != nil {
		return nil, err
	}
	policy, err := failover.PolicyFrom(daemon)
	if err != nil {
		return nil, err
	}
	return dialRM(addr, overlay{over: opts.Conf, base: daemon}, policy)
}

// interruptible is ctx ended by the first SIGINT or SIGTERM, so that a
// client-mode driver stops and ends its application; a second one exits
// at once.
func interruptible(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		if _, ok := <-sigs; !ok {
			return
		}
		cancel()
		if _, ok := <-sigs; ok {
			os.Exit(130)
		}
	}()
	return ctx, func() { signal.Stop(sigs); close(sigs); cancel() }
}
