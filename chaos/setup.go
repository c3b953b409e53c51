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
	"github.com/spindlehq/spindle/internal/minihdfs"
	"github.com/twmb/franz-go/pkg/kfake"
)

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
	if r.tls, err = devcluster.CreateTLS(r.clusterDir); err != nil {
		return err
	}
	if r.clientTLS, err = r.tls.ClientMaterial(); err != nil {
		return err
	}
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
		env: r.env, startTimeout: daemonStartTimeout, stopTimeout: daemonStopTimeout, logger: r.lg.Named("supervisor"), tls: r.tls,
	}); err != nil {
		return err
	}
	confDir := filepath.Join(r.clusterDir, "conf")
	if err := devcluster.WriteClientConf(confDir, r.clusterDir, devcluster.ClientSite(r.sup.rmAddresses(), nil), r.tls); err != nil {
		return err
	}
	fmt.Fprintf(r.out, "Client conf: export SPINDLE_CONF_DIR=%s (you are user %s; curl %s https://…)\n", confDir, r.tls.User, devcluster.CurlFlags(r.tls))
	if err := r.submit(ctx); err != nil {
		return err
	}
	nmWebs := []string{}
	for _, a := range r.sup.nmAddresses() {
		nmWebs = append(nmWebs, a.Web)
	}
	if r.obs, err = newObserver(ctx, r.restClient(), r.sup.rmAddresses().Web, nmWebs, r.appID, r.ckptURI, r.lg.Named("observer")); err != nil {
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
		retentionLoop(obsCtx, r.kafka, r.ckptURI, r.lg.Named("retention"))
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
	// Small segments, so that deleting committed records (retentionLoop)
	// frees their memory: only whole segments are dropped.
	k, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.BrokerConfigs(map[string]string{"log.segment.bytes": strconv.Itoa(kafkaSegmentBytes)}))
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
	conf = append(conf, r.tls.ClientConf()...)
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
