package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/submit"
	"github.com/spindlehq/spindle/token"
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
			opts, warnings, err := submit.Parse(c.Args().Slice(), submit.ParseOptions{ConfDir: os.Getenv("SPINDLE_CONF_DIR")})
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
			sc, err := newSubmitClient(opts)
			if err != nil {
				return err
			}
			defer sc.close()
			switch opts.Action {
			case submit.ActionKill:
				return sc.kill(c.Context, opts.AppID)
			case submit.ActionStatus:
				return sc.status(c.Context, opts.AppID)
			}
			return sc.submit(c.Context)
		},
	}
}

// submitClient talks to the RM for one spindle submit.
type submitClient struct {
	opts    *submit.Options
	daemon  *conf.Config
	rmAddr  string
	rm      pb.ApplicationClientClient
	closeRM func()
	secret  []byte
	out     *os.File
}

func newSubmitClient(opts *submit.Options) (*submitClient, error) {
	daemon, err := conf.Load(conf.LoadOptions{Dir: opts.ConfDir})
	if err != nil {
		return nil, err
	}
	sc := &submitClient{opts: opts, daemon: daemon, out: os.Stdout}
	switch {
	case opts.Master == "yarn":
		sc.rmAddr = daemon.Get("yarn.resourcemanager.address")
	case strings.HasPrefix(opts.Master, "spindle://"):
		sc.rmAddr = strings.TrimPrefix(opts.Master, "spindle://")
	default:
		return nil, fmt.Errorf("--master %q: use yarn (the RM in the conf dir) or spindle://host:port", opts.Master)
	}
	secretFile := opts.Conf["spindle.client.secret-file"]
	if secretFile == "" {
		secretFile = daemon.Get("spindle.client.secret-file")
	}
	if secretFile != "" {
		if sc.secret, err = token.LoadSecret(secretFile); err != nil {
			return nil, err
		}
	}
	if sc.rm, sc.closeRM, err = dialRM(sc.rmAddr); err != nil {
		return nil, err
	}
	return sc, nil
}

func (sc *submitClient) close() { sc.closeRM() }

// ctx adds the client secret, when there is one, to a call's context.
func (sc *submitClient) ctx(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(parent, d)
	return token.WithClientSecret(ctx, sc.secret), cancel
}

func (sc *submitClient) kill(parent context.Context, appID string) error {
	ctx, cancel := sc.ctx(parent, 10*time.Second)
	defer cancel()
	if _, err := sc.rm.KillApplication(ctx, &pb.KillApplicationRequest{ApplicationId: appID}); err != nil {
		return fmt.Errorf("kill %s: %w", appID, err)
	}
	fmt.Fprintf(sc.out, "Killed application %s\n", appID)
	return nil
}

func (sc *submitClient) status(parent context.Context, appID string) error {
	ctx, cancel := sc.ctx(parent, 10*time.Second)
	defer cancel()
	rep, err := sc.rm.GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: appID})
	if err != nil {
		return fmt.Errorf("status of %s: %w", appID, err)
	}
	r := rep.GetReport()
	fmt.Fprintf(sc.out, "Application report for %s (state: %s, final status: %s)\n", appID, appState(r.GetState()), finalStatus(r.GetFinalStatus()))
	if r.GetDiagnostics() != "" {
		fmt.Fprintf(sc.out, "\t diagnostics: %s\n", r.GetDiagnostics())
	}
	return nil
}

// errAppNotSucceeded makes spindle submit exit non-zero when the
// application it waited for did not succeed.
var errAppNotSucceeded = errors.New("application did not succeed")

func appState(s pb.ApplicationState) string {
	return strings.TrimPrefix(s.String(), "APPLICATION_STATE_")
}

func finalStatus(s pb.FinalApplicationStatus) string {
	return strings.TrimPrefix(s.String(), "FINAL_APPLICATION_STATUS_")
}
