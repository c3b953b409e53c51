package chaos

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spindlehq/spindle/devcluster"
)

// setUp prepares the output directory and the job, starts the cluster,
// the application, the producer and the observer, and waits for the first
// batch with records.
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
	if err := r.startCluster(ctx); err != nil {
		return err
	}
	tls := r.cluster.Info().TLS
	if r.clientTLS, err = tls.ClientMaterial(); err != nil {
		return err
	}
	fmt.Fprintf(r.out, "Client conf: export SPINDLE_CONF_DIR=%s (you are user %s; curl %s https://…)\n", r.cluster.Info().ConfDir, tls.User, devcluster.CurlFlags(tls))
	if err := r.submit(ctx); err != nil {
		return err
	}
	nmWebs := []string{}
	for _, a := range r.cluster.NMAddresses() {
		nmWebs = append(nmWebs, a.Web)
	}
	if r.obs, err = newObserver(ctx, r.restClient(), r.cluster.RMAddresses().Web, nmWebs, r.appID, r.ckptURI, r.lg.Named("observer")); err != nil {
		return err
	}
	obsCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stopObserving = stop
	r.observing.Add(3)
	go func() {
		defer r.observing.Done()
		r.obs.sampleLoop(obsCtx, r.cfg.SampleInterval)
	}()
	go func() {
		defer r.observing.Done()
		retentionLoop(obsCtx, r.cluster.Kafka(), r.ckptURI, r.lg.Named("retention"))
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

// startCluster starts the cluster: on one machine or over test hosts,
// with Kafka and its topic and, for HDFS checkpoints, the in-process
// HDFS; and sets where the checkpoint and the sink go.
func (r *runner) startCluster(ctx context.Context) error {
	where := "on this machine"
	if r.cfg.Hosts > 0 {
		where = fmt.Sprintf("on %d test hosts (the RM, Kafka and HDFS each on its own, a NodeManager on each other)", r.cfg.Hosts)
	}
	fmt.Fprintf(r.out, "Starting a ResourceManager and %d NodeManagers %s in %s…\n", r.cfg.NodeManagers, where, r.clusterDir)
	dc := devcluster.DefaultConfig()
	dc.Dir, dc.Binary, dc.RandomPorts = r.clusterDir, r.cfg.Binary, true
	dc.NodeManagers, dc.NMMemory, dc.NMVCores = r.cfg.NodeManagers, r.cfg.NMMemory, r.cfg.NMVCores
	dc.Hosts, dc.HDFS = r.cfg.Hosts > 0, r.cfg.checkpoint() == CheckpointHDFS
	// Small segments, so that deleting committed records (retentionLoop)
	// frees their memory: only whole segments are dropped.
	dc.Topics, dc.KafkaSegmentBytes = map[string]int32{topic: r.cfg.Partitions}, kafkaSegmentBytes
	// Faults must never use up the application's attempts; its own limit
	// is set at submission.
	dc.RMConf = []string{"yarn.resourcemanager.am.max-attempts=1000"}
	dc.StartTimeout, dc.StopTimeout = daemonStartTimeout, daemonStopTimeout
	dc.Out, dc.Logger = r.out, r.lg.Named("cluster")
	c, err := devcluster.Start(ctx, dc)
	if err != nil {
		return err
	}
	r.cluster = c
	info := c.Info()
	r.sinkDir = sinkDir(r.clusterDir)
	r.ckptURI = info.CheckpointRoot + "/" + appName
	if info.HDFS != "" {
		r.ckptURI = info.HDFS + "/chaos/checkpoints/" + appName
	}
	return nil
}

var submittedRE = regexp.MustCompile(`Submitted application (application_\d+_\d+)`)

// submit submits the retail job and returns once the RM has accepted it.
func (r *runner) submit(ctx context.Context) error {
	args := r.submitArgs()
	p, err := devcluster.StartProcess("spindle submit", r.cfg.Binary, args, r.cluster.Env(), filepath.Join(r.clusterDir, "submit.out"), nil)
	if err != nil {
		return err
	}
	select {
	case <-p.Exited():
	case <-time.After(submitTimeout):
		p.Stop(daemonStopTimeout)
		return fmt.Errorf("chaos: spindle submit did not finish within %v:\n%s", submitTimeout, p.Tail(2048))
	case <-ctx.Done():
		p.Stop(daemonStopTimeout)
		return ctx.Err()
	}
	m := submittedRE.FindStringSubmatch(p.Tail(64 << 10))
	if p.ExitErr() != nil || m == nil {
		return fmt.Errorf("chaos: spindle submit failed (%v):\n%s", p.ExitErr(), p.Tail(2048))
	}
	r.appID = m[1]
	r.report.AppID = r.appID
	fmt.Fprintf(r.out, "Submitted %s as %s with %d executors; checkpoint %s, sink %s\n", appName, r.appID, r.cfg.Executors, r.ckptURI, r.sinkDir)
	return nil
}

// submitArgs is the `spindle submit` command line: the retail job with
// limits high enough that no number of faults fails it.
func (r *runner) submitArgs() []string {
	info := r.cluster.Info()
	staging := "file://" + filepath.Join(r.clusterDir, "staging")
	if info.HDFS != "" {
		staging = info.HDFS + "/chaos/staging"
	}
	conf := []string{
		"spark.yarn.stagingDir=" + staging,
		"spindle.kafka.bootstrap.servers=" + strings.Join(info.Kafka, ","),
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
		"spark.task.maxFailures=20",
		"spindle.am.rmUnreachableTimeout=" + amRMTimeout.String(),
		"spark.yarn.submit.waitAppCompletion=false",
	}
	conf = append(conf, info.TLS.ClientConf()...)
	args := []string{"submit", "--master", "spindle://" + info.RM.Client, "--deploy-mode", "cluster",
		"--name", appName, "--num-executors", strconv.Itoa(r.cfg.Executors),
		"--executor-memory", "256m", "--driver-memory", "256m", "--files", r.regions}
	for _, kv := range conf {
		args = append(args, "--conf", kv)
	}
	return append(args, r.job, "--regions", filepath.Base(r.regions))
}

// startProducer starts producing transactions at the rate, each entered
// in the ledger file as Kafka answers for it.
func (r *runner) startProducer() error {
	p, err := devcluster.NewProducer(devcluster.ProducerConfig{
		Brokers: r.cluster.Info().Kafka, Topic: topic, Stores: r.stores, Traffic: devcluster.Steady(r.cfg.Rate), RoundRobin: true,
		InvalidEvery: r.cfg.InvalidEvery, Seed: r.cfg.Seed, LedgerFile: filepath.Join(r.dir, LedgerFile), Logger: r.lg.Named("producer"),
	})
	if err != nil {
		return err
	}
	r.prod = p
	r.report.Ledger = filepath.Join(r.dir, LedgerFile)
	ctx, stop := context.WithCancel(context.Background())
	r.stopProducer, r.prodDone = stop, make(chan error, 1)
	go func() { r.prodDone <- p.Run(ctx) }()
	return nil
}
