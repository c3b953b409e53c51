package chaos

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"go.uber.org/zap"
)

// finish stops producing, waits until the job has read every transaction,
// stops the application with its shutdown marker, reads its final state
// and stops the cluster.
func (r *runner) finish(ctx context.Context) error {
	r.stopProducer()
	if err := <-r.prodDone; err != nil {
		r.report.Errors = append(r.report.Errors, err.Error())
	}
	r.stopProducer = nil
	produced := r.prod.Produced()
	r.report.Produced = produced
	fmt.Fprintf(r.out, "\nStopped producing: %d transactions. Waiting for the job to read them all…\n", produced.Total())
	deadline := time.Now().Add(r.cfg.StopTimeout)
	if err := r.waitFor(ctx, time.Until(deadline), fmt.Sprintf("read of all %d transactions", produced.Total()), func() bool {
		return r.obs.recordsRead() >= produced.Total()
	}); err != nil {
		r.report.Errors = append(r.report.Errors, err.Error())
	}
	if err := r.stopApp(ctx, deadline); err != nil {
		r.report.Errors = append(r.report.Errors, err.Error())
	}
	r.report.Ended = time.Now()
	state, err := readFinalState(ctx, r.ckptURI, r.lg.Named("checkpoint"))
	if err != nil {
		r.report.Errors = append(r.report.Errors, err.Error())
	}
	r.stopObserving()
	r.observing.Wait()
	r.stopObserving = nil
	r.report.Read = r.obs.recordsRead()
	r.report.States = r.obs.statesSeen()
	if fs := r.report.FinalState; fs != "" && (len(r.report.States) == 0 || r.report.States[len(r.report.States)-1] != fs) {
		r.report.States = append(r.report.States, fs)
	}
	st, _ := r.obs.badState()
	r.report.NeverFailed = st == ""
	r.report.Crashes = r.cluster.Crashes()
	r.cleanupCluster()
	r.report.Leftovers = reapLeftovers(r.clusterDir, leftoverGrace)
	if err := r.prod.Close(); err != nil { // completes the ledger file
		r.report.Errors = append(r.report.Errors, err.Error())
	}
	if state != nil {
		if err := writeState(filepath.Join(r.dir, StateFile), state); err != nil {
			r.report.Errors = append(r.report.Errors, err.Error())
		}
	}

	vf := newVerifier(r.prod.Ledger())
	vf.readOutputs(r.sinkDir)
	r.report.Verification = vf.finish(state)
	return ctx.Err()
}

// stopApp places the shutdown marker and waits for the application to
// finish, recording its final state.
func (r *runner) stopApp(ctx context.Context, deadline time.Time) error {
	store, dir, err := dfs.Open(ctx, r.ckptURI)
	if err != nil {
		return fmt.Errorf("chaos: open checkpoint %s: %w", r.ckptURI, err)
	}
	defer store.Close()
	marker := hdfscheckpoint.MarkerPath(dir, "")
	if err := hdfscheckpoint.PlaceMarker(ctx, store, marker); err != nil {
		return fmt.Errorf("chaos: stop application %s: %w", r.appID, err)
	}
	fmt.Fprintf(r.out, "Placed the shutdown marker %s; waiting for %s to finish…\n", marker, r.appID)
	rest := r.restClient()
	web := r.cluster.RMAddresses().Web
	for {
		a, err := rest.app(ctx, web, r.appID)
		if err == nil {
			r.report.FinalState, r.report.FinalStatus = a.State, a.FinalStatus
			if at, err := rest.attempts(ctx, web, r.appID); err == nil {
				r.report.Attempts = len(at)
			}
			if a.State == stateFinished || a.State == stateFailed || a.State == stateKilled {
				fmt.Fprintf(r.out, "Application %s ended %s/%s.\n", r.appID, a.State, a.FinalStatus)
				if a.FinalStatus != statusSuccess {
					return fmt.Errorf("%w: %s ended %s/%s: %s", ErrAppFailed, r.appID, a.State, a.FinalStatus, a.Diagnostics)
				}
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("chaos: application %s still %s after the shutdown marker", r.appID, r.report.FinalState)
		}
		if err := sleep(ctx, r.cfg.SampleInterval); err != nil {
			return err
		}
	}
}

// cleanupCluster stops the cluster: its daemons, Kafka, the HDFS and its
// test hosts, leaving the producer's ledger and the observer's data to be
// read.
func (r *runner) cleanupCluster() {
	if r.cluster == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), daemonStopTimeout+5*time.Second)
	defer cancel()
	if err := r.cluster.Stop(ctx); err != nil {
		r.lg.Warn("stop the cluster", zap.Error(err))
	}
	r.cluster = nil
}
