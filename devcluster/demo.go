package devcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"go.uber.org/zap"
)

// DemoConfig configures the retail demo.
type DemoConfig struct {
	// Job is the retail job binary (examples/retail built).
	Job string
	// Regions is the store → region table shipped with the job; its
	// stores are the ones transactions come from.
	Regions string
	// Traffic is the transactions' rate over the day.
	Traffic RetailDay
	// Topic is where transactions go.
	Topic string
	// Name is the application's name; its checkpoint and output
	// directories are named after it.
	Name string
	// BatchDuration is spindle.streaming.batchDuration.
	BatchDuration time.Duration
	// Executors is --num-executors.
	Executors int
	// InvalidEvery makes one transaction in InvalidEvery invalid.
	InvalidEvery int
	// PollInterval is how often the commits log is read.
	PollInterval time.Duration
	// SubmitTimeout bounds how long `spindle submit` may take to print the
	// application id.
	SubmitTimeout time.Duration
	// Out receives the live lines.
	Out io.Writer
	// Logger receives the demo's log.
	Logger *zap.Logger
}

// DefaultDemoConfig is the retail job on two executors, one-second
// batches, one transaction in 200 invalid, at DefaultRate over a
// DefaultDay; Job and Regions are the caller's.
func DefaultDemoConfig() DemoConfig {
	return DemoConfig{
		Traffic:       RetailDay{Rate: DefaultRate, Day: DefaultDay},
		Topic:         DefaultTopic,
		Name:          "retail-demo",
		BatchDuration: time.Second,
		Executors:     2,
		InvalidEvery:  200,
		PollInterval:  200 * time.Millisecond,
		SubmitTimeout: 60 * time.Second,
		Out:           io.Discard,
		Logger:        zap.NewNop(),
	}
}

// Validate reports the first invalid field.
func (c DemoConfig) Validate() error {
	switch {
	case c.Job == "" || c.Regions == "":
		return errors.New("devcluster: the demo needs the job binary and its region table")
	case c.Topic == "" || c.Name == "":
		return errors.New("devcluster: the demo needs a topic and an application name")
	case c.BatchDuration <= 0 || c.PollInterval <= 0 || c.SubmitTimeout <= 0:
		return errors.New("devcluster: the demo's batch duration, poll interval and submit timeout must be positive")
	case c.Executors < 1:
		return fmt.Errorf("devcluster: %d executors: want at least 1", c.Executors)
	}
	return c.Traffic.Validate()
}

// Demo is the retail job running on a dev cluster with a producer of
// transactions and a live line per batch.
type Demo struct {
	cfg     DemoConfig
	cluster *Cluster
	out     io.Writer
	lg      *zap.Logger

	submit    *Process
	appID     string
	ckptURI   string
	outputDir string

	producer      *Producer
	stopProducing context.CancelFunc
	producerDone  chan struct{} // closed when Run returned, with producerErr
	producerErr   error

	watcher      *CommitWatcher
	stopWatching context.CancelFunc
	watchDone    chan struct{}

	mu        sync.Mutex
	read      int64 // records read by committed batches
	announced bool  // the tracking URL was printed

	closeOnce sync.Once
}

// DemoResult is what the demo produced and what the sink holds.
type DemoResult struct {
	AppID    string
	Produced Produced
	Sink     SinkTotals
}

var submittedRE = regexp.MustCompile(`Submitted application (application_\d+_\d+)`)

// StartDemo submits the retail job to c, starts producing transactions and
// prints a line per completed batch. Stop ends it.
func StartDemo(ctx context.Context, c *Cluster, cfg DemoConfig) (*Demo, error) {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	stores, err := readStores(cfg.Regions)
	if err != nil {
		return nil, err
	}
	info := c.Info()
	d := &Demo{
		cfg: cfg, cluster: c, out: cfg.Out, lg: cfg.Logger,
		ckptURI:   info.CheckpointRoot + "/" + cfg.Name,
		outputDir: filepath.Join(info.Dir, "output", cfg.Name),
	}
	if info.HDFS != "" {
		d.ckptURI = info.HDFS + "/spindle-dev/checkpoints/" + cfg.Name
	}
	if err := d.start(ctx, info, stores); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *Demo) start(ctx context.Context, info Info, stores []string) error {
	cfg := d.cfg
	fmt.Fprintf(d.out, "\nDemo: retail transactions into Kafka topic %s at %.0f/s, peaks of %.0f/s (one store day every %v), read by examples/retail\n",
		cfg.Topic, cfg.Traffic.Rate, cfg.Traffic.Peak(), cfg.Traffic.Day)
	args := d.submitArgs(info)
	fmt.Fprintf(d.out, "Submitting:\n%s\n", commandLine(d.cluster.Binary(), args))
	demoDir := filepath.Join(info.Dir, "demo")
	if err := os.MkdirAll(demoDir, 0o755); err != nil {
		return fmt.Errorf("devcluster: demo directory: %w", err)
	}
	var err error
	if d.submit, err = StartProcess("spindle submit", d.cluster.Binary(), args, d.cluster.Env(), filepath.Join(demoDir, "submit.out"), nil); err != nil {
		return err
	}
	if d.appID, err = d.waitAppID(ctx); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "Submitted application %s (spindle submit pid %d, output in %s)\n", d.appID, d.submit.PID(), d.submit.LogPath())

	if d.watcher, err = NewCommitWatcher(ctx, d.ckptURI, d.lg.Named("commits")); err != nil {
		return err
	}
	if d.producer, err = NewProducer(ProducerConfig{
		Brokers: info.Kafka, Topic: cfg.Topic, Stores: stores, Traffic: cfg.Traffic,
		InvalidEvery: cfg.InvalidEvery, Seed: uint64(time.Now().UnixNano()), Logger: d.lg.Named("producer"),
	}); err != nil {
		return err
	}
	pctx, stop := context.WithCancel(context.Background())
	d.stopProducing, d.producerDone = stop, make(chan struct{})
	go func() {
		d.producerErr = d.producer.Run(pctx)
		close(d.producerDone)
	}()

	wctx, stopWatching := context.WithCancel(context.Background())
	d.stopWatching, d.watchDone = stopWatching, make(chan struct{})
	go d.watch(wctx)
	return nil
}

// submitArgs is the `spindle submit` command line of the demo's job.
func (d *Demo) submitArgs(info Info) []string {
	cfg := d.cfg
	conf := []string{
		"spark.yarn.stagingDir=file://" + filepath.Join(info.Dir, "staging"),
		"spindle.kafka.bootstrap.servers=" + strings.Join(info.Kafka, ","),
		"spindle.kafka.topics=" + cfg.Topic,
		"spindle.kafka.auto.offset.reset=earliest",
		"spindle.streaming.batchDuration=" + cfg.BatchDuration.String(),
		"spindle.checkpoint.dir=" + d.ckptURI,
		"spindle.sink.path=file://" + d.outputDir,
		"spindle.streaming.shutdownMarker.pollInterval=" + min(cfg.BatchDuration/2, 500*time.Millisecond).String(),
		"spark.streaming.backpressure.enabled=true",
		"spark.locality.wait=0",
	}
	conf = append(conf, info.TLS.ClientConf()...)
	args := []string{"submit", "--master", "spindle://" + info.RM.Client, "--deploy-mode", "cluster",
		"--name", cfg.Name, "--num-executors", strconv.Itoa(cfg.Executors),
		"--executor-memory", "512m", "--driver-memory", "512m", "--files", cfg.Regions}
	for _, kv := range conf {
		args = append(args, "--conf", kv)
	}
	return append(args, cfg.Job, "--regions", filepath.Base(cfg.Regions))
}

// commandLine writes a command as a shell would take it, one flag and its
// value per line.
func commandLine(bin string, args []string) string {
	var b strings.Builder
	b.WriteString("  " + shellQuote(bin))
	for i, a := range args {
		switch {
		case i == 0:
			b.WriteString(" " + a)
		case strings.HasPrefix(a, "--") && i > 1:
			b.WriteString(" \\\n      " + shellQuote(a))
		case !strings.HasPrefix(args[i-1], "--") && i > 1:
			b.WriteString(" \\\n      " + shellQuote(a))
		default:
			b.WriteString(" " + shellQuote(a))
		}
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// waitAppID waits for `spindle submit` to print the application id.
func (d *Demo) waitAppID(ctx context.Context) (string, error) {
	deadline := time.NewTimer(d.cfg.SubmitTimeout)
	defer deadline.Stop()
	for {
		raw, _ := os.ReadFile(d.submit.LogPath())
		if m := submittedRE.FindSubmatch(raw); m != nil {
			return string(m[1]), nil
		}
		select {
		case <-d.submit.Exited():
			return "", fmt.Errorf("devcluster: spindle submit exited (%v) before submitting:\n%s", d.submit.ExitErr(), d.submit.Tail(2048))
		case <-deadline.C:
			return "", fmt.Errorf("devcluster: spindle submit printed no application id within %v:\n%s", d.cfg.SubmitTimeout, d.submit.Tail(2048))
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// watch prints a line per committed batch until ctx ends, then reads the
// log one last time.
func (d *Demo) watch(ctx context.Context) {
	defer close(d.watchDone)
	tick := time.NewTicker(d.cfg.PollInterval)
	defer tick.Stop()
	for {
		d.poll(context.Background())
		select {
		case <-ctx.Done():
			d.poll(context.Background())
			return
		case <-tick.C:
		}
	}
}

// poll prints the new batches and, once, where the AM serves its metrics.
func (d *Demo) poll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	commits, err := d.watcher.Poll(ctx)
	if err != nil {
		d.lg.Warn("read the commits log", zap.Error(err))
	}
	clock, rate := d.producer.Now()
	for _, c := range commits {
		limit := "none"
		if c.RateLimit > 0 {
			limit = strconv.FormatInt(c.RateLimit, 10) + "/s"
		}
		producing := "stopped"
		if rate > 0 {
			producing = fmt.Sprintf("%.0f/s", rate)
		}
		fmt.Fprintf(d.out, "batch %s  %6d records  processing %5d ms  scheduling %5d ms  rate limit %7s  lag %6d  | store clock %s, producing %s\n",
			c.BatchTime.Format("15:04:05"), c.Records, c.Processing.Milliseconds(), c.Scheduling.Milliseconds(), limit, c.Lag, formatClock(clock), producing)
		d.mu.Lock()
		d.read += c.Records
		d.mu.Unlock()
	}
	if !d.announced {
		rep, err := d.cluster.Client().GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: d.appID})
		if err == nil && rep.GetReport().GetState() == pb.ApplicationState_APPLICATION_STATE_RUNNING && rep.GetReport().GetTrackingUrl() != "" {
			u := strings.TrimSuffix(rep.GetReport().GetTrackingUrl(), "/")
			fmt.Fprintf(d.out, "Application %s is RUNNING; its ApplicationMaster serves %s/metrics and %s/metrics/json\n", d.appID, u, u)
			d.announced = true
		}
	}
}

// AppID is the demo's application.
func (d *Demo) AppID() string { return d.appID }

// Ended is closed when `spindle submit` exits: the application ended.
func (d *Demo) Ended() <-chan struct{} { return d.submit.Exited() }

// EndedError describes how the application ended early, with the end of
// `spindle submit`'s output.
func (d *Demo) EndedError() error {
	return fmt.Errorf("devcluster: application %s ended (spindle submit: %v):\n%s", d.appID, d.submit.ExitErr(), d.submit.Tail(2048))
}

// Stop stops producing, waits until the job has read every transaction,
// stops the application gracefully with the shutdown marker, and compares
// the sink with what was produced (ErrSinkMismatch when they differ). ctx
// bounds the whole stop.
func (d *Demo) Stop(ctx context.Context) (DemoResult, error) {
	defer d.close()
	res := DemoResult{AppID: d.appID}
	d.stopProducing()
	<-d.producerDone
	if d.producerErr != nil {
		return res, d.producerErr
	}
	p := d.producer.Produced()
	res.Produced = p
	fmt.Fprintf(d.out, "\nStopped producing: %d transactions (%d valid, revenue %s; %d invalid; %d refused by Kafka).\n",
		p.Total(), p.Valid, formatCents(p.RevenueCents), p.Invalid, p.Refused)
	if err := d.waitRead(ctx, p.Total()); err != nil {
		return res, err
	}
	marker := hdfscheckpoint.MarkerPath(d.watcher.dir, "")
	if err := hdfscheckpoint.PlaceMarker(ctx, d.watcher.store, marker); err != nil {
		return res, fmt.Errorf("devcluster: stop application %s: %w", d.appID, err)
	}
	fmt.Fprintf(d.out, "The job has read all of them. Placed the shutdown marker %s: the application stops after its current batch.\n", marker)
	select {
	case <-d.submit.Exited():
	case <-ctx.Done():
		return res, fmt.Errorf("devcluster: application %s still running after the shutdown marker: %w", d.appID, ctx.Err())
	}
	d.stopWatching()
	<-d.watchDone
	if err := d.submit.ExitErr(); err != nil {
		return res, d.EndedError()
	}
	fmt.Fprintf(d.out, "Application %s finished: SUCCEEDED.\n", d.appID)
	totals, err := ReadSink(d.outputDir)
	res.Sink = totals
	if err != nil {
		return res, err
	}
	verdict := "OK"
	var mismatch error
	if totals.Transactions != p.Valid || totals.DistinctIDs != totals.Transactions || totals.RevenueCents != p.RevenueCents || totals.DeadLetters != p.Invalid {
		verdict = "MISMATCH"
		mismatch = fmt.Errorf("%w: sink %+v, produced %+v", ErrSinkMismatch, totals, p)
	}
	fmt.Fprintf(d.out, "Sink check: %d transactions (%d distinct), revenue %s, %d dead letters in %s; produced %d valid (revenue %s) and %d invalid: %s\n",
		totals.Transactions, totals.DistinctIDs, formatCents(totals.RevenueCents), totals.DeadLetters, d.outputDir,
		p.Valid, formatCents(p.RevenueCents), p.Invalid, verdict)
	return res, mismatch
}

// waitRead waits until committed batches have read n records.
func (d *Demo) waitRead(ctx context.Context, n int64) error {
	progress := time.NewTicker(5 * time.Second)
	defer progress.Stop()
	for {
		d.mu.Lock()
		read := d.read
		d.mu.Unlock()
		if read >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devcluster: the job read %d of %d transactions: %w", read, n, ctx.Err())
		case <-d.submit.Exited():
			return d.EndedError()
		case <-progress.C:
			fmt.Fprintf(d.out, "Waiting for the job to catch up: %d of %d transactions read.\n", read, n)
		case <-time.After(d.cfg.PollInterval):
		}
	}
}

// close stops the producer and the watcher and kills `spindle submit` if
// it still runs; the application itself ends with its cluster.
func (d *Demo) close() {
	d.closeOnce.Do(func() {
		if d.stopProducing != nil {
			d.stopProducing()
			<-d.producerDone
		}
		if d.producer != nil {
			d.producer.Close()
		}
		if d.stopWatching != nil {
			d.stopWatching()
			<-d.watchDone
		}
		if d.watcher != nil {
			d.watcher.Close()
		}
		if d.submit != nil {
			d.submit.Stop(5 * time.Second)
		}
	})
}

// Close releases what the demo holds without stopping the application
// gracefully; Stop calls it.
func (d *Demo) Close() { d.close() }

// readStores reads the stores of a store,region table.
func readStores(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("devcluster: region table: %w", err)
	}
	defer f.Close()
	var stores []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		store, _, ok := strings.Cut(line, ",")
		if !ok || strings.TrimSpace(store) == "" {
			return nil, fmt.Errorf("devcluster: region table %s: %q is not store,region", path, line)
		}
		stores = append(stores, strings.TrimSpace(store))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("devcluster: region table %s: %w", path, err)
	}
	if len(stores) == 0 {
		return nil, fmt.Errorf("devcluster: region table %s has no stores", path)
	}
	return stores, nil
}
