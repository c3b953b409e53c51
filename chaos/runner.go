package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spindlehq/spindle/devcluster"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
)

// Names of the run's application and topic.
const (
	appName = "retail-chaos"
	topic   = "transactions"
)

// Files a run writes into its output directory.
const (
	ReportFile   = "report.json"
	SummaryFile  = "summary.txt"
	TimelineFile = "timeline.svg"
	// TimelinePNG is the same plot as a PNG, for viewers without SVG.
	TimelinePNG = "timeline.png"
	// LedgerFile is the producer's ledger: a line per transaction with
	// what Kafka answered for it (devcluster.ReadLedger reads it).
	LedgerFile = "ledger.csv.gz"
	// StateFile is the job's final state: revenue per store in cents.
	StateFile = "state.json"
)

// Bounds of the run's set-up steps.
const (
	daemonStartTimeout = 30 * time.Second
	daemonStopTimeout  = 20 * time.Second
	submitTimeout      = 60 * time.Second
	firstBatchTimeout  = 2 * time.Minute
	// commitPoll is how often the commits log is read.
	commitPoll = 200 * time.Millisecond
	// amRMTimeout is the job's spindle.am.rmUnreachableTimeout: an AM cut
	// off from the RM exits this long after it last heard from it.
	amRMTimeout = 30 * time.Second
)

// runner is one chaos run.
type runner struct {
	cfg Config
	lg  *zap.Logger
	out io.Writer

	dir        string // the output directory, absolute
	clusterDir string
	job        string
	regions    string
	stores     []string
	ckptURI    string
	sinkDir    string

	cluster *devcluster.Cluster
	// clientTLS is the run's user's certificate, for the daemons' REST.
	clientTLS *pki.Material
	appID     string
	obs       *observer

	prod         *devcluster.Producer
	stopProducer context.CancelFunc
	prodDone     chan error

	stopObserving context.CancelFunc
	observing     sync.WaitGroup

	// victims picks what each fault hits and how; the schedule picks the
	// kinds.
	victims *rand.Rand
	report  Report

	// mu guards busy, the targets a fault holds (a host, a daemon), so
	// that overlapping faults do not hit the same one at once.
	mu   sync.Mutex
	busy map[string]bool
}

// Run carries out a chaos run and returns its report. It writes report.json,
// summary.txt, timeline.svg and timeline.png to cfg.Out and prints the kills and the
// summary to cfg.Stdout. The error is non-nil when the run could not be
// carried out, or when its report is not OK: a record lost or duplicated,
// the application FAILED, a kill not recovered from, a daemon crashed.
// Cancelling ctx stops the run at once, without a report.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	dir, err := filepath.Abs(cfg.Out)
	if err != nil {
		return Report{}, fmt.Errorf("chaos: output directory %s: %w", cfg.Out, err)
	}
	r := &runner{
		cfg: cfg, lg: cfg.Logger, out: cfg.Stdout, dir: dir, clusterDir: filepath.Join(dir, "cluster"),
		victims: rand.New(rand.NewPCG(cfg.Seed^0xc0ffee, cfg.Seed)), busy: map[string]bool{},
	}
	r.report.Settings = Settings{
		Duration: cfg.Duration, Interval: cfg.Interval, Seed: cfg.Seed, Rate: cfg.Rate, Checkpoint: cfg.checkpoint(),
		BatchDuration: cfg.BatchDuration, NodeManagers: cfg.NodeManagers, Executors: cfg.Executors, Partitions: cfg.Partitions,
		Hosts: cfg.Hosts, Faults: cfg.faults(), Overlap: cfg.Overlap,
	}
	defer r.cleanup()
	if err := r.run(ctx); err != nil {
		return r.report, err
	}
	if !r.report.OK() {
		return r.report, r.reportErr()
	}
	return r.report, nil
}

// run is Run after the checks.
func (r *runner) run(ctx context.Context) error {
	if err := r.setUp(ctx); err != nil {
		return err
	}
	kills, err := r.chaos(ctx)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		// Stop, check and report what there is.
		r.report.Errors = append(r.report.Errors, err.Error())
		fmt.Fprintf(r.out, "\nThe chaos stopped early: %v\n", err)
	}
	if err := r.finish(ctx); err != nil {
		return err
	}
	return r.writeReport(kills)
}

// waitFor polls cond until it holds, the application ends badly, timeout
// passes or ctx ends.
func (r *runner) waitFor(ctx context.Context, timeout time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if st, diag := r.obs.badState(); st != "" {
			return fmt.Errorf("%w: %s while waiting for %s: %s", ErrAppFailed, st, what, diag)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("chaos: no %s within %v", what, timeout)
		}
		if err := sleep(ctx, r.cfg.SampleInterval); err != nil {
			return err
		}
	}
	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// cleanup stops the producer, the observer and the cluster; each at most
// once.
func (r *runner) cleanup() {
	if r.stopProducer != nil {
		r.stopProducer()
		<-r.prodDone
		r.stopProducer = nil
	}
	if r.prod != nil {
		r.prod.Close()
		r.prod = nil
	}
	if r.stopObserving != nil {
		r.stopObserving()
		r.observing.Wait()
		r.stopObserving = nil
	}
	if r.obs != nil {
		r.obs.close()
		r.obs = nil
	}
	r.cleanupCluster()
}

// reportErr says why the report is not OK.
func (r *runner) reportErr() error {
	rep := r.report
	var errs []error
	if err := rep.Verification.Err(); err != nil {
		errs = append(errs, err)
	}
	if !rep.NeverFailed || rep.FinalStatus != statusSuccess {
		errs = append(errs, fmt.Errorf("%w: states %s, final %s/%s", ErrAppFailed, strings.Join(rep.States, " → "), rep.FinalState, rep.FinalStatus))
	}
	for _, k := range rep.Kills {
		if !k.Recovered {
			errs = append(errs, fmt.Errorf("%w: %s fault of %s at %s", ErrNotRecovered, k.Kind, k.Victim, k.At.Format(time.TimeOnly)))
		}
	}
	for _, c := range rep.Crashes {
		errs = append(errs, fmt.Errorf("%w: %s", ErrDaemonExited, c))
	}
	if len(rep.Leftovers) > 0 {
		errs = append(errs, fmt.Errorf("%w: %s", ErrLeftovers, strings.Join(rep.Leftovers, "; ")))
	}
	for _, e := range rep.Errors {
		errs = append(errs, errors.New(e))
	}
	return errors.Join(errs...)
}

// restClient reads the daemons' REST endpoints as the run's user.
func (r *runner) restClient() *restClient { return newRESTClient(r.clientTLS) }
