package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spindlehq/spindle/devcluster"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/internal/minihdfs"
	"github.com/twmb/franz-go/pkg/kfake"
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
)

// Bounds of the run's set-up steps.
const (
	daemonStartTimeout = 30 * time.Second
	daemonStopTimeout  = 20 * time.Second
	submitTimeout      = 60 * time.Second
	firstBatchTimeout  = 2 * time.Minute
	// commitPoll is how often the commits log is read.
	commitPoll = 200 * time.Millisecond
	// restartRetry is how long a supervisor waits before it tries again to
	// start a daemon that failed to start.
	restartRetry = time.Second
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
	env        []string // added to the daemons' environment

	kafka *kfake.Cluster
	hdfs  *minihdfs.Cluster
	sup   *supervisor
	appID string
	obs   *observer

	prod         *producer
	prodStart    time.Time
	stopProducer context.CancelFunc
	prodDone     chan error

	stopObserving context.CancelFunc
	observing     sync.WaitGroup

	// victims picks what each kill hits; the schedule picks the kinds.
	victims *rand.Rand
	report  Report
}

// Run carries out a chaos run and returns its report. It writes report.json,
// summary.txt and timeline.svg to cfg.Out and prints the kills and the
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
		victims: rand.New(rand.NewPCG(cfg.Seed^0xc0ffee, cfg.Seed)),
	}
	r.report.Settings = Settings{
		Duration: cfg.Duration, Interval: cfg.Interval, Seed: cfg.Seed, Rate: cfg.Rate, Checkpoint: cfg.Checkpoint,
		BatchDuration: cfg.BatchDuration, NodeManagers: cfg.NodeManagers, Executors: cfg.Executors, Partitions: cfg.Partitions,
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
	if err != nil {
		return err
	}
	if err := r.finish(ctx); err != nil {
		return err
	}
	return r.writeReport(kills)
}

// setUp prepares the output directory and the job, starts Kafka, the
// HDFS if asked for, the daemons, the application, the producer and the
// observer, and waits for the first batch with records.
func (r *runner) setUp(ctx context.Context) error {
	if err := prepareOut(r.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(r.clusterDir, 0o755); err != nil {
		return fmt.Errorf("chaos: create %s: %w", r.clusterDir, err)
	}
	var err error
	r.regions = filepath.Join(r.dir, "regions.csv")
	if r.stores, err = writeRegions(r.regions); err != nil {
		return err
	}
	if r.job, err = r.buildJob(ctx); err != nil {
		return err
	}
	r.report.Started = time.Now()
	if err := r.startStorage(); err != nil {
		return err
	}
	fmt.Fprintf(r.out, "Starting a ResourceManager and %d NodeManagers in %s…\n", r.cfg.NodeManagers, r.clusterDir)
	if r.sup, err = startSupervisor(ctx, supervisorConfig{
		binary: r.cfg.Binary, dir: r.clusterDir, nodeManagers: r.cfg.NodeManagers, nmMemory: r.cfg.NMMemory, nmVCores: r.cfg.NMVCores,
		env: r.env, startTimeout: daemonStartTimeout, stopTimeout: daemonStopTimeout, logger: r.lg.Named("supervisor"),
	}); err != nil {
		return err
	}
	if err := r.submit(ctx); err != nil {
		return err
	}
	nmWebs := []string{}
	for _, a := range r.sup.nmAddresses() {
		nmWebs = append(nmWebs, a.Web)
	}
	if r.obs, err = newObserver(ctx, r.sup.rmAddresses().Web, nmWebs, r.appID, r.ckptURI, r.lg.Named("observer")); err != nil {
		return err
	}
	obsCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stopObserving = stop
	r.observing.Add(2)
	go func() {
		defer r.observing.Done()
		r.obs.sampleLoop(obsCtx, r.cfg.SampleInterval)
	}()
	go func() {
		defer r.observing.Done()
		r.obs.commitLoop(obsCtx, commitPoll)
	}()
	if err := r.startProducer(); err != nil {
		return err
	}
	fmt.Fprintf(r.out, "Producing %.0f transactions/s to %s (%d partitions); waiting for the first batch…\n", r.cfg.Rate, topic, r.cfg.Partitions)
	if err := r.waitFor(ctx, firstBatchTimeout, "the first batch with records", func() bool { return r.obs.recordsRead() > 0 }); err != nil {
		return err
	}
	return nil
}

// buildJob returns the retail job binary: the configured one, or one built
// from the source tree into the output directory.
func (r *runner) buildJob(ctx context.Context) (string, error) {
	if r.cfg.Job != "" {
		if _, err := os.Stat(r.cfg.Job); err != nil {
			return "", fmt.Errorf("chaos: job binary: %w", err)
		}
		return filepath.Abs(r.cfg.Job)
	}
	src := r.cfg.Source
	if src == "" {
		var err error
		if src, err = devcluster.FindSource("."); err != nil {
			return "", err
		}
	}
	src, err := filepath.Abs(src)
	if err != nil {
		return "", fmt.Errorf("chaos: source %s: %w", r.cfg.Source, err)
	}
	job := filepath.Join(r.dir, "bin", "retail")
	fmt.Fprintf(r.out, "Building the retail job: go build -o %s %s (in %s)…\n", job, devcluster.RetailPackage, src)
	if err := devcluster.BuildJob(ctx, src, devcluster.RetailPackage, job); err != nil {
		return "", err
	}
	return job, nil
}

// startStorage starts Kafka with the topic and, for HDFS checkpoints, the
// in-process HDFS, and sets where the checkpoint and the sink go.
func (r *runner) startStorage() error {
	k, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		return fmt.Errorf("chaos: start Kafka: %w", err)
	}
	r.kafka = k
	if err := k.CreateTopic(topic, r.cfg.Partitions, nil); err != nil {
		return fmt.Errorf("chaos: create topic %s with %d partitions: %w", topic, r.cfg.Partitions, err)
	}
	r.sinkDir = filepath.Join(r.clusterDir, "output", appName)
	r.ckptURI = "file://" + filepath.Join(r.clusterDir, "checkpoints", appName)
	if r.cfg.Checkpoint == CheckpointHDFS {
		hc := minihdfs.DefaultConfig()
		hc.Logger = r.lg.Named("hdfs")
		if r.hdfs, err = minihdfs.Start(hc); err != nil {
			return fmt.Errorf("chaos: start HDFS: %w", err)
		}
		r.ckptURI = r.hdfs.URL() + "/chaos/checkpoints/" + appName
		// An empty Hadoop configuration: the URI names the NameNode, and
		// this machine's own configuration must not redirect the driver.
		confDir := filepath.Join(r.clusterDir, "hadoop-conf")
		if err := os.MkdirAll(confDir, 0o755); err != nil {
			return fmt.Errorf("chaos: create %s: %w", confDir, err)
		}
		r.env = append(r.env, "HADOOP_CONF_DIR="+confDir)
	}
	return nil
}

var submittedRE = regexp.MustCompile(`Submitted application (application_\d+_\d+)`)

// submit submits the retail job and returns once the RM has accepted it.
func (r *runner) submit(ctx context.Context) error {
	args := r.submitArgs()
	p, err := startProcess("spindle submit", r.cfg.Binary, args, r.env, filepath.Join(r.clusterDir, "submit.out"))
	if err != nil {
		return err
	}
	select {
	case <-p.Exited():
	case <-time.After(submitTimeout):
		p.stop(daemonStopTimeout)
		return fmt.Errorf("chaos: spindle submit did not finish within %v:\n%s", submitTimeout, p.tail(2048))
	case <-ctx.Done():
		p.stop(daemonStopTimeout)
		return ctx.Err()
	}
	m := submittedRE.FindStringSubmatch(p.tail(64 << 10))
	if p.err != nil || m == nil {
		return fmt.Errorf("chaos: spindle submit failed (%v):\n%s", p.err, p.tail(2048))
	}
	r.appID = m[1]
	r.report.AppID = r.appID
	fmt.Fprintf(r.out, "Submitted %s as %s with %d executors; checkpoint %s, sink %s\n", appName, r.appID, r.cfg.Executors, r.ckptURI, r.sinkDir)
	return nil
}

// submitArgs is the `spindle submit` command line: the retail job with
// limits high enough that no number of kills fails it.
func (r *runner) submitArgs() []string {
	conf := []string{
		"spark.yarn.stagingDir=file://" + filepath.Join(r.clusterDir, "staging"),
		"spindle.kafka.bootstrap.servers=" + strings.Join(r.kafka.ListenAddrs(), ","),
		"spindle.kafka.topics=" + topic,
		"spindle.kafka.auto.offset.reset=earliest",
		"spindle.streaming.batchDuration=" + r.cfg.BatchDuration.String(),
		"spindle.checkpoint.dir=" + r.ckptURI,
		"spindle.sink.path=file://" + r.sinkDir,
		"spindle.streaming.shutdownMarker.pollInterval=" + min(r.cfg.BatchDuration/2, 500*time.Millisecond).String(),
		"spark.streaming.backpressure.enabled=true",
		"spark.locality.wait=0",
		"spark.yarn.maxAppAttempts=100",
		"spark.yarn.am.attemptFailuresValidityInterval=10m",
		"spark.yarn.max.executor.failures=10000",
		"spark.yarn.executor.failuresValidityInterval=10m",
		"spark.task.maxFailures=8",
		"spark.yarn.submit.waitAppCompletion=false",
	}
	args := []string{"submit", "--master", "spindle://" + r.sup.rmAddresses().Client, "--deploy-mode", "cluster",
		"--name", appName, "--num-executors", strconv.Itoa(r.cfg.Executors),
		"--executor-memory", "256m", "--driver-memory", "256m", "--files", r.regions}
	for _, kv := range conf {
		args = append(args, "--conf", kv)
	}
	return append(args, r.job, "--regions", filepath.Base(r.regions))
}

// startProducer starts producing transactions at the rate.
func (r *runner) startProducer() error {
	p, err := newProducer(producerConfig{
		brokers: r.kafka.ListenAddrs(), topic: topic, stores: r.stores, rate: r.cfg.Rate,
		invalidEvery: r.cfg.InvalidEvery, seed: r.cfg.Seed, logger: r.lg.Named("producer"),
	})
	if err != nil {
		return err
	}
	r.prod = p
	ctx, stop := context.WithCancel(context.Background())
	r.stopProducer, r.prodDone, r.prodStart = stop, make(chan error, 1), time.Now()
	go func() { r.prodDone <- p.run(ctx, r.prodStart) }()
	return nil
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

// cleanup stops the producer, the observer and the daemons, Kafka and
// the HDFS; each at most once.
func (r *runner) cleanup() {
	if r.stopProducer != nil {
		r.stopProducer()
		<-r.prodDone
		r.stopProducer = nil
	}
	if r.prod != nil {
		r.prod.close()
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
	if r.sup != nil {
		ctx, cancel := context.WithTimeout(context.Background(), daemonStopTimeout+5*time.Second)
		if err := r.sup.stop(ctx); err != nil {
			r.lg.Warn("stop the daemons", zap.Error(err))
		}
		cancel()
		r.sup = nil
	}
	if r.kafka != nil {
		r.kafka.Close()
		r.kafka = nil
	}
	if r.hdfs != nil {
		r.hdfs.Close()
		r.hdfs = nil
	}
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
			errs = append(errs, fmt.Errorf("%w: %s kill of %s at %s", ErrNotRecovered, k.Kind, k.Victim, k.At.Format(time.TimeOnly)))
		}
	}
	for _, c := range rep.Crashes {
		errs = append(errs, fmt.Errorf("%w: %s", ErrDaemonExited, c))
	}
	for _, e := range rep.Errors {
		errs = append(errs, errors.New(e))
	}
	return errors.Join(errs...)
}

// finish stops producing, waits until the job has read every transaction,
// stops the application with its shutdown marker, reads its final state
// and stops the cluster.
func (r *runner) finish(ctx context.Context) error {
	r.stopProducer()
	if err := <-r.prodDone; err != nil {
		r.report.Errors = append(r.report.Errors, err.Error())
	}
	r.stopProducer = nil
	produced, _ := r.prod.snapshot()
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
	st, _ := r.obs.badState()
	r.report.NeverFailed = st == ""
	r.report.Crashes = r.sup.checkCrashes()
	r.cleanupCluster()

	vf := newVerifier(r.prod.ledger)
	vf.readOutputs(r.sinkDir)
	r.report.Verification = vf.finish(state)
	return ctx.Err()
}

// stopApp places the shutdown marker and waits for the application to
// finish, recording its final state.
func (r *runner) stopApp(ctx context.Context, deadline time.Time) error {
	store, dir, err := hdfscheckpoint.Open(ctx, r.ckptURI)
	if err != nil {
		return fmt.Errorf("chaos: open checkpoint %s: %w", r.ckptURI, err)
	}
	defer store.Close()
	marker := hdfscheckpoint.MarkerPath(dir, "")
	if err := hdfscheckpoint.PlaceMarker(ctx, store, marker); err != nil {
		return fmt.Errorf("chaos: stop application %s: %w", r.appID, err)
	}
	fmt.Fprintf(r.out, "Placed the shutdown marker %s; waiting for %s to finish…\n", marker, r.appID)
	rest := newRESTClient()
	web := r.sup.rmAddresses().Web
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

// cleanupCluster stops the daemons, Kafka and the HDFS, leaving the
// producer's ledger and the observer's data to be read.
func (r *runner) cleanupCluster() {
	ctx, cancel := context.WithTimeout(context.Background(), daemonStopTimeout+5*time.Second)
	defer cancel()
	if err := r.sup.stop(ctx); err != nil {
		r.lg.Warn("stop the daemons", zap.Error(err))
	}
	r.sup = nil
	r.kafka.Close()
	r.kafka = nil
	if r.hdfs != nil {
		r.hdfs.Close()
		r.hdfs = nil
	}
}
