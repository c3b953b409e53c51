package driver_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/driver/taskscheduler"
	"github.com/spindlehq/spindle/executor"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/shuffle"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/sink"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"google.golang.org/grpc"
)

// stagesApp is the application id the harness's executors and nodes use.
const stagesApp = "application_1700000000000_0042"

// stagesHarness runs the keyed-stages test job with a real driver engine,
// executors in this process running the job binary as a plugin, Kafka,
// file stores and a shuffle service per node: everything a cluster has
// but the processes, so that tests can take a node or an executor away
// at an exact point.
type stagesHarness struct {
	t       *testing.T
	broker  *kafkatest.Broker
	dir     string
	job     string
	sha     string
	args    []string
	secret  []byte
	input   testutil.StagesInput
	kcfg    kafkasource.Config
	ckptURI string
	sinkURI string
	// settings are the application's keys.
	settings map[string]string
	// localityWait is spark.locality.wait: how long a task waits for the
	// executor it prefers (a stateful partition's holder).
	localityWait time.Duration

	mu    sync.Mutex
	nodes []*testNode
	execs map[string]*testExecutor
}

// testNode is a node: a local dir and the shuffle service over it.
type testNode struct {
	root string
	addr string
	srv  *grpc.Server
}

// testExecutor is an executor running in the test process.
type testExecutor struct {
	id     string
	node   *testNode
	cancel context.CancelFunc
	done   chan struct{}
	stop   func()
}

func newStagesHarness(t *testing.T, partitions int32, args ...string) *stagesHarness {
	t.Helper()
	h := &stagesHarness{t: t, broker: kafkatest.Start(t, map[string]int32{"views": partitions}), dir: t.TempDir(),
		job: testutil.StagesJobBinary(t), args: args, execs: map[string]*testExecutor{}, secret: make([]byte, shuffle.SecretBytes),
		localityWait: 200 * time.Millisecond}
	copy(h.secret, "harness secret of thirty-two byt")
	raw, err := os.ReadFile(h.job)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	h.sha = hex.EncodeToString(sum[:])
	h.input = testutil.StagesInput{Topic: "views", Values: map[int32][]string{}}
	h.ckptURI = "file://" + filepath.Join(h.dir, "checkpoint")
	h.sinkURI = "file://" + filepath.Join(h.dir, "sink")
	h.kcfg = kafkasource.DefaultConfig()
	h.kcfg.Brokers, h.kcfg.Topics, h.kcfg.AutoOffsetReset = h.broker.Addrs(), []string{"views"}, "earliest"
	// Each wave spreads over several batches, so that windows and
	// sessions span batches.
	h.kcfg.MaxRatePerPartition = 160
	h.settings = map[string]string{
		conf.KeyCheckpointDir: h.ckptURI, conf.KeyBatchDuration: "500ms", conf.KeyDefaultParallelism: "3",
		conf.KeyStateCheckpointInterval: "2s", conf.KeyRetainBatches: "100000",
	}
	return h
}

// produce sends n records to partition p: value(i) for the i-th.
func (h *stagesHarness) produce(p int32, n int, value func(i int) string) {
	h.t.Helper()
	h.mu.Lock()
	base := len(h.input.Values[p])
	for i := range n {
		h.input.Values[p] = append(h.input.Values[p], value(base+i))
	}
	h.mu.Unlock()
	h.broker.Produce(h.t, "views", p, n, func(i int) ([]byte, []byte) { return nil, []byte(value(base + i)) })
}

// addNode starts a node's shuffle service.
func (h *stagesHarness) addNode() *testNode {
	h.t.Helper()
	n := &testNode{root: filepath.Join(h.dir, fmt.Sprintf("node%d", len(h.nodes)))}
	secrets := shuffle.NewSecrets()
	secrets.Add(stagesApp, h.secret)
	srv, err := shuffle.NewServer(shuffle.ServerConfig{Blocks: shuffle.Dirs{n.root}, Secrets: secrets, RequireKey: true})
	if err != nil {
		h.t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	n.addr, n.srv = lis.Addr().String(), grpc.NewServer(secrets.ServerOption(nil))
	srv.Register(n.srv)
	go n.srv.Serve(lis)
	h.t.Cleanup(n.srv.Stop)
	h.mu.Lock()
	h.nodes = append(h.nodes, n)
	h.mu.Unlock()
	return n
}

// lose takes the node away, its disk with it: its service stops and its
// map outputs are gone.
func (n *testNode) lose(t *testing.T) {
	n.srv.Stop()
	if err := os.RemoveAll(n.root); err != nil {
		t.Fatal(err)
	}
}

// startExecutor starts executor id on node, connected to the driver at
// addr.
func (h *stagesHarness) startExecutor(ctx context.Context, id string, node *testNode, driverAddr string) *testExecutor {
	h.t.Helper()
	settings, err := conf.AppConfFrom(h.settings)
	if err != nil {
		h.t.Fatal(err)
	}
	env := map[string]string{
		launch.EnvShuffleSecret: base64.StdEncoding.EncodeToString(h.secret), launch.EnvApplicationID: stagesApp,
		launch.EnvLocalDirs: filepath.Join(node.root, stagesApp), launch.EnvNMHost: "127.0.0.1",
		launch.EnvShuffleServiceAddress: node.addr,
	}
	lg := zaptest.NewLogger(h.t, zaptest.Level(zap.WarnLevel)).Named("executor-" + id)
	stages, closeStages, err := executor.StartStages(ctx, executor.StagesSetup{Getenv: func(k string) string { return env[k] }, Settings: settings, NetworkTimeout: 5 * time.Second, Logger: lg})
	if err != nil {
		h.t.Fatal(err)
	}
	reader, err := kafkasource.NewReader(h.kcfg)
	if err != nil {
		h.t.Fatal(err)
	}
	store, sinkDir, err := dfs.Open(ctx, h.sinkURI)
	if err != nil {
		h.t.Fatal(err)
	}
	runner, err := executor.NewJobRunner(ctx, executor.JobRunnerConfig{
		JobPath: h.job, JobSHA256: h.sha, Args: h.args, AppLog: io.Discard, Reader: reader,
		Sink: sink.FileSink{Store: store, Dir: sinkDir}, Stages: stages, Logger: lg,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	ectx, cancel := context.WithCancel(ctx)
	x := &testExecutor{id: id, node: node, cancel: cancel, done: make(chan struct{})}
	x.stop = func() { runner.Close(); closeStages(); reader.Close(); store.Close() }
	cfg := executor.DefaultConfig()
	cfg.DriverAddress, cfg.ExecutorID, cfg.Host, cfg.Cores, cfg.Runner, cfg.Logger = driverAddr, id, "127.0.0.1", 2, runner, lg
	go func() {
		defer close(x.done)
		executor.Run(ectx, cfg)
	}()
	h.mu.Lock()
	h.execs[id] = x
	h.mu.Unlock()
	h.t.Cleanup(x.kill)
	return x
}

// kill ends the executor: its session, its job and its own map output
// server; what it wrote to its node stays.
func (x *testExecutor) kill() {
	x.cancel()
	<-x.done
	x.stop()
}

// engineRun is one run of the driver over the harness.
type engineRun struct {
	ep      *driver.Endpoint
	addr    string
	srv     *grpc.Server
	batches chan driver.BatchInfo
	done    chan error
	cancel  context.CancelFunc
}

// startEngine starts a driver engine on the harness's checkpoint; stop
// tells it to finish.
func (h *stagesHarness) startEngine(ctx context.Context, stop func() bool) *engineRun {
	h.t.Helper()
	ep := driver.NewEndpoint()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	srv := grpc.NewServer()
	pb.RegisterTaskServer(srv, ep)
	go srv.Serve(lis)
	h.t.Cleanup(srv.Stop)
	planner, err := kafkasource.NewPlanner(h.kcfg)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { planner.Close() })
	store, dir, err := dfs.Open(ctx, h.ckptURI)
	if err != nil {
		h.t.Fatal(err)
	}
	log, err := hdfscheckpoint.NewLog(store, dir, 100000, zap.NewNop())
	if err != nil {
		h.t.Fatal(err)
	}
	settings, err := conf.AppConfFrom(h.settings)
	if err != nil {
		h.t.Fatal(err)
	}
	client, err := sdk.NewClient(ctx, sdk.ClientConfig{Path: h.job, SHA256: h.sha, AppLog: io.Discard, StartTimeout: time.Minute})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(client.Kill)
	if _, err := client.Configure(ctx, nil, h.args); err != nil {
		h.t.Fatal(err)
	}
	sc := driver.StagesConfigFromApp(settings, client.Stages())
	run := &engineRun{ep: ep, addr: lis.Addr().String(), srv: srv, batches: make(chan driver.BatchInfo, 1000), done: make(chan error, 1)}
	eng, err := driver.NewEngine(driver.EngineConfig{
		BatchDuration: settings.Duration(conf.KeyBatchDuration), Planner: planner, Log: log, Endpoint: ep,
		Tasks:  taskscheduler.Config{LocalityWait: h.localityWait, MaxFailures: 4},
		Stages: &sc, Stop: func(context.Context) bool { return stop() },
		OnBatch: func(b driver.BatchInfo) { run.batches <- b },
		Logger:  zaptest.NewLogger(h.t, zaptest.Level(zap.WarnLevel)).Named("driver"),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	ectx, cancel := context.WithCancel(ctx)
	run.cancel = cancel
	go func() {
		err := eng.Run(ectx)
		ep.Finish(err == nil, "")
		store.Close()
		run.done <- err
	}()
	return run
}

// committedThrough reports whether the checkpoint's newest commit covers
// every record produced.
func (h *stagesHarness) committedThrough() (bool, string) {
	h.mu.Lock()
	want := map[string]int64{}
	for p, vs := range h.input.Values {
		want[fmt.Sprintf("views-%d", p)] = int64(len(vs))
	}
	h.mu.Unlock()
	got := testutil.CommittedUntil(h.t, filepath.Join(h.dir, "checkpoint"))
	for k, v := range want {
		if got[k] != v {
			return false, fmt.Sprintf("committed up to %v, want %v", got, want)
		}
	}
	return true, ""
}

// verify checks each stage's outputs against a recount of the input over
// the committed batches.
func (h *stagesHarness) verify(x testutil.StagesExpect, stages ...string) {
	h.t.Helper()
	h.input.Check(h.t, filepath.Join(h.dir, "checkpoint"), filepath.Join(h.dir, "sink"), x, stages...)
}

// commitStats are each committed batch's statistics, by batch.
func (h *stagesHarness) commitStats() map[int64]map[string]int64 {
	out := map[int64]map[string]int64{}
	for _, c := range testutil.BatchCommits(h.t, filepath.Join(h.dir, "checkpoint")) {
		out[c.BatchTimeMs] = c.Outputs
	}
	return out
}

func sumStat(stats map[int64]map[string]int64, key string) int64 {
	var n int64
	for _, s := range stats {
		n += s[key]
	}
	return n
}
