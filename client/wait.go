package client

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/spindlehq/spindle/staging"
)

// Finished reports whether s is one of YARN's final application states.
func Finished(s pb.ApplicationState) bool {
	switch s {
	case pb.ApplicationState_APPLICATION_STATE_FINISHED, pb.ApplicationState_APPLICATION_STATE_FAILED, pb.ApplicationState_APPLICATION_STATE_KILLED:
		return true
	}
	return false
}

// WaitFinished polls appID's report every interval until the application
// is in a final state and returns that report. Each report is given to
// onReport (which may be nil). A report the RM cannot give (it may be
// restarting) is asked for again; ctx bounds the wait.
func (r *RM) WaitFinished(ctx context.Context, appID string, interval time.Duration, onReport func(*pb.ApplicationReport)) (*pb.ApplicationReport, error) {
	var last *pb.ApplicationReport
	var lastErr error
	for {
		rep, err := r.Report(ctx, appID)
		switch {
		case err != nil:
			lastErr = err
		case onReport != nil:
			onReport(rep)
		}
		if err == nil {
			last = rep
			if Finished(rep.GetState()) {
				return rep, nil
			}
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return nil, fmt.Errorf("%s still %s: %w", appID, resourcemanager.ApplicationStateName(last.GetState()), ctx.Err())
			}
			return nil, fmt.Errorf("%s: no report (%v): %w", appID, lastErr, ctx.Err())
		case <-time.After(interval):
		}
	}
}

// waitApp prints one line per state change until the application ends and
// removes its staging dir; it fails unless the application SUCCEEDED. A
// client-mode driver is stopped when ctx ends, and the application is
// then followed a little longer to its end.
func waitApp(ctx context.Context, rm *RM, cfg SubmitConfig, appID string, stageCfg staging.Config, host *hostedDriver) error {
	interval := cfg.Options.Settings.Duration(conf.KeyReportInterval)
	var last string
	onReport := func(r *pb.ApplicationReport) {
		line := fmt.Sprintf("Application report for %s (state: %s)", appID, resourcemanager.ApplicationStateName(r.GetState()))
		if line != last {
			fmt.Fprintln(cfg.Out, line)
			last = line
		}
	}
	waitCtx := ctx
	if host != nil {
		// The driver ends the application when it stops, so the wait goes
		// on after ctx ends, for as long as the AM takes to notice.
		var cancel context.CancelFunc
		waitCtx, cancel = context.WithCancel(context.WithoutCancel(ctx))
		defer cancel()
		go func() {
			select {
			case <-ctx.Done():
				host.stopDriver()
				select {
				case <-time.After(interruptedWait):
					cancel()
				case <-waitCtx.Done():
				}
			case <-waitCtx.Done():
			}
		}()
	}
	r, err := rm.WaitFinished(waitCtx, appID, interval, onReport)
	if err != nil {
		return err
	}
	staging.Remove(context.WithoutCancel(ctx), stageCfg)
	fmt.Fprintf(cfg.Out, "Application %s ended: state %s, final status %s\n", appID, resourcemanager.ApplicationStateName(r.GetState()), resourcemanager.FinalStatusName(r.GetFinalStatus()))
	if d := r.GetDiagnostics(); d != "" {
		fmt.Fprintf(cfg.Out, "\t diagnostics: %s\n", strings.ReplaceAll(d, "\n", "\n\t "))
	}
	if r.GetFinalStatus() != pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED {
		return fmt.Errorf("%s: %w (final status %s)", appID, ErrAppNotSucceeded, resourcemanager.FinalStatusName(r.GetFinalStatus()))
	}
	return nil
}

// Kill is spark-submit --kill: it asks the RM to kill appID.
func Kill(ctx context.Context, rm *RM, appID string, out io.Writer) error {
	err := rm.Call(ctx, func(ctx context.Context) error {
		_, err := rm.Client.KillApplication(ctx, &pb.KillApplicationRequest{ApplicationId: appID})
		return err
	})
	if err != nil {
		return fmt.Errorf("kill %s: %w", appID, err)
	}
	fmt.Fprintf(out, "Killed application %s\n", appID)
	return nil
}

// Status is spark-submit --status: it prints appID's state and diagnostics.
func Status(ctx context.Context, rm *RM, appID string, out io.Writer) error {
	r, err := rm.Report(ctx, appID)
	if err != nil {
		return fmt.Errorf("status of %s: %w", appID, err)
	}
	fmt.Fprintf(out, "Application report for %s (state: %s, final status: %s)\n", appID, resourcemanager.ApplicationStateName(r.GetState()), resourcemanager.FinalStatusName(r.GetFinalStatus()))
	if r.GetDiagnostics() != "" {
		fmt.Fprintf(out, "\t diagnostics: %s\n", r.GetDiagnostics())
	}
	return nil
}
