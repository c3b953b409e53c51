package clustertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
)

// stagesExpect are stagesjob's settings in these tests.
var stagesExpect = testutil.StagesExpect{Window: 4 * time.Second, Slide: 2 * time.Second, Timeout: 3 * time.Second}

// stagesConf are the settings of keyed-stage jobs in these tests: short
// batches, each wave of records spread over several of them, state
// checkpoints every 4 batches, 3 reduce partitions, and executors lost
// within seconds.
var stagesConf = []string{
	"--conf", "spindle.streaming.batchDuration=500ms",
	"--conf", "spark.streaming.kafka.maxRatePerPartition=160",
	"--conf", "spindle.checkpoint.retainBatches=100000",
	"--conf", "spindle.state.checkpointInterval=2s",
	"--conf", "spark.default.parallelism=3",
	"--conf", "spark.executor.heartbeatInterval=1s",
	"--conf", "spark.network.timeout=8s",
}

// stagesRun is the keyed-stages test job running on a cluster, with what
// was produced for it.
type stagesRun struct {
	t      *testing.T
	c      *testutil.Cluster
	b      *kafkatest.Broker
	dir    string
	sub    *testutil.Submission
	marker string

	mu    sync.Mutex
	input testutil.StagesInput
}

// startStagesJob submits stagesjob over the 3 partitions of "views" with
// the given stages; a record "block" makes its map task wait for
// run.marker.
func startStagesJob(t *testing.T, c *testutil.Cluster, b *kafkatest.Broker, stages string, extra ...string) *stagesRun {
	t.Helper()
	r := &stagesRun{t: t, c: c, b: b, dir: testutil.SharedDir(t), input: testutil.StagesInput{Topic: "views", Values: map[int32][]string{}}}
	r.marker = filepath.Join(r.dir, "release")
	conf := append(slices.Clone(stagesConf), extra...)
	r.sub = streamingJob(c, b, "views", r.dir, conf, testutil.StagesJobBinary(t), "--stages", stages, "--block-marker", r.marker)
	t.Cleanup(r.logsOnFailure)
	r.sub.AppID()
	return r
}

// logsOnFailure shows the end of every container log of the job when the
// test failed.
func (r *stagesRun) logsOnFailure() {
	if !r.t.Failed() {
		return
	}
	files, _ := filepath.Glob(filepath.Join(r.c.Dir, "nm*", "nm-logs", "application_*", "container_*", "*"))
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		if len(raw) > 6<<10 {
			raw = raw[len(raw)-6<<10:]
		}
		r.t.Logf("--- %s (last 6 KiB) ---\n%s", strings.TrimPrefix(f, r.c.Dir), raw)
	}
}

func (r *stagesRun) produce(p int32, n int) {
	r.t.Helper()
	r.mu.Lock()
	base := len(r.input.Values[p])
	for i := range n {
		r.input.Values[p] = append(r.input.Values[p], stagesView(p, base+i))
	}
	r.mu.Unlock()
	r.b.Produce(r.t, "views", p, n, func(i int) ([]byte, []byte) { return nil, []byte(stagesView(p, base+i)) })
}

// stagesView is the i-th record of partition p: views of a few titles by
// a few users, and some clicks.
func stagesView(p int32, i int) string {
	if i%7 == 3 {
		return fmt.Sprintf("click t%d", (i+int(p))%5)
	}
	return fmt.Sprintf("u%d t%d", (i*3+int(p))%11, (i+int(p))%5)
}

func (r *stagesRun) ckpt() string { return filepath.Join(r.dir, "checkpoint") }

// committedThrough waits until the newest commit covers every record
// produced.
func (r *stagesRun) committedThrough(timeout time.Duration) {
	r.t.Helper()
	testutil.WaitFor(r.t, timeout, func() (bool, string) {
		r.mu.Lock()
		want := map[string]int64{}
		for p, vs := range r.input.Values {
			want[fmt.Sprintf("views-%d", p)] = int64(len(vs))
		}
		r.mu.Unlock()
		got := testutil.CommittedUntil(r.t, r.ckpt())
		for k, v := range want {
			if got[k] != v {
				return false, fmt.Sprintf("committed up to %v, want %v", got, want)
			}
		}
		return true, ""
	})
}

// idle waits until batches for settle after the last record committed.
func (r *stagesRun) idle(settle time.Duration) {
	r.t.Helper()
	until := time.Now().Add(settle)
	testutil.WaitFor(r.t, settle+60*time.Second, func() (bool, string) {
		c := testutil.BatchCommits(r.t, r.ckpt())
		return len(c) > 0 && time.UnixMilli(c[len(c)-1].BatchTimeMs).After(until), "waiting for idle batches to commit"
	})
}

// blockedBatch makes a batch stop between its map and reduce stages:
// partitions 0 and 2 get records all along, partition 1 one whose map
// task waits for the marker. It returns the batch once a map task of it
// has written its map output, the index of an NM that holds one, and a
// func that ends the trickle.
func (r *stagesRun) blockedBatch(candidates []int) (int64, int, func()) {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			r.produce(0, 4)
			r.produce(2, 4)
			select {
			case <-ctx.Done():
			case <-time.After(60 * time.Millisecond):
			}
		}
	}()
	stop := func() { cancel(); <-done }
	r.mu.Lock()
	at := int64(len(r.input.Values[1]))
	r.input.Values[1] = append(r.input.Values[1], "block")
	r.mu.Unlock()
	r.b.Produce(r.t, "views", 1, 1, func(int) ([]byte, []byte) { return nil, []byte("block") })
	var batch int64
	node := -1
	appID := r.sub.AppID()
	testutil.WaitFor(r.t, 60*time.Second, func() (bool, string) {
		for _, o := range testutil.BatchOffsets(r.t, r.ckpt()) {
			for _, rg := range o.Ranges {
				if rg.Partition == 1 && rg.From <= at && at < rg.Until {
					batch = o.BatchTimeMs
				}
			}
		}
		if batch == 0 {
			return false, "the waiting record is in no batch yet"
		}
		for _, i := range candidates {
			idx, _ := filepath.Glob(filepath.Join(r.c.Dir, fmt.Sprintf("nm%d", i), "nm-local-dir", appID, "shuffle", strconv.FormatInt(batch, 10), "map-*.index"))
			if len(idx) > 0 {
				node = i
				return true, ""
			}
		}
		return false, fmt.Sprintf("batch %d has no map output on NMs %v yet", batch, candidates)
	})
	return batch, node, stop
}

// release lets the blocked batch go on.
func (r *stagesRun) release(stopTrickle func()) {
	r.t.Helper()
	if err := os.WriteFile(r.marker, nil, 0o600); err != nil {
		r.t.Fatal(err)
	}
	stopTrickle()
}

// stop stops the job gracefully and checks what each stage wrote against
// a recount of the input.
func (r *stagesRun) stop(stages ...string) map[int64]map[string]int64 {
	r.t.Helper()
	if out, err := stopApp(r.t, r.c, r.sub.AppID()); err != nil {
		r.t.Fatalf("application -stop: %v\n%s", err, out)
	}
	if err := r.sub.Wait(60 * time.Second); err != nil {
		r.t.Fatalf("the job after its stop: %v\n%s", err, r.sub.Output())
	}
	r.input.Check(r.t, r.ckpt(), filepath.Join(r.dir, "out"), stagesExpect, stages...)
	stats := map[int64]map[string]int64{}
	for _, c := range testutil.BatchCommits(r.t, r.ckpt()) {
		stats[c.BatchTimeMs] = c.Outputs
	}
	return stats
}

// executorsOn returns the processes of the job's executor containers on
// NM i, at least one.
func (r *stagesRun) executorsOn(i int) []testutil.NMContainer {
	r.t.Helper()
	var out []testutil.NMContainer
	testutil.WaitFor(r.t, 30*time.Second, func() (bool, string) {
		out = nil
		for _, ct := range r.c.RunningContainers(r.sub.AppID())[i] {
			if !strings.HasSuffix(ct.ID, "_000001") && ct.PID > 0 {
				out = append(out, ct)
			}
		}
		return len(out) > 0, fmt.Sprintf("no executor of %s running on NM %d", r.sub.AppID(), i)
	})
	return out
}

// startStagesCluster starts Kafka, a cluster of two NodeManagers and
// stagesjob with the given stages, and waits until n records of each
// partition are committed.
func startStagesCluster(t *testing.T, stages string, n int) (*stagesRun, *testutil.Cluster) {
	t.Helper()
	b := kafkatest.Start(t, map[string]int32{"views": 3})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	r := startStagesJob(t, c, b, stages)
	for p := range int32(3) {
		r.produce(p, n)
	}
	r.committedThrough(120 * time.Second)
	return r, c
}

// sigkill kills a container's process group at once.
func sigkill(t testing.TB, ct testutil.NMContainer) {
	t.Helper()
	if err := syscall.Kill(-int(ct.PID), syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL %s (pid %d): %v", ct.ID, ct.PID, err)
	}
}

// TestExecutorKilledBetweenMapAndReduceItsNodeServesItsOutputs: the
// executors of a node that holds a batch's map outputs are SIGKILLed
// after their map tasks and before the batch's reduce stage; the reduce tasks fetch the
// outputs from its NodeManager's shuffle service, no map task runs again,
// and every stage writes exactly what a recount of the input gives.
func TestExecutorKilledBetweenMapAndReduceItsNodeServesItsOutputs(t *testing.T) {
	r, _ := startStagesCluster(t, "counts,totals,clicks", 150)
	batch, node, stopTrickle := r.blockedBatch([]int{0, 1})
	// Every executor on the node is killed, so that the one that wrote
	// the output is.
	for _, ex := range r.executorsOn(node) {
		t.Logf("batch %d between map and reduce: SIGKILL executor %s on NM %d", batch, ex.ID, node)
		sigkill(t, ex)
	}
	r.release(stopTrickle)
	r.committedThrough(120 * time.Second)
	stats := r.stop("counts", "totals", "clicks")
	if st := stats[batch]; st["mapsRecomputed"] != 0 || st["fetchFailures"] != 0 {
		t.Errorf("batch %d ran %d map tasks again after %d fetch failures: the NodeManager should have served the killed executor's outputs", batch, st["mapsRecomputed"], st["fetchFailures"])
	}
}

// TestNodeManagerLostBetweenMapAndReduceMapsRunAgain: the NodeManager
// that holds a batch's map outputs is SIGKILLed, with its executor,
// between the batch's map and reduce stages; the reduce tasks cannot
// fetch the outputs, the map tasks that wrote them run again from their
// Kafka offsets, and every stage stays exact.
func TestNodeManagerLostBetweenMapAndReduceMapsRunAgain(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"views": 3})
	// NM 0 has room for the ApplicationMaster only, so that the NMs
	// started after it hold the executors and can be lost without it.
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1, NMMemory: "700m"})
	r := startStagesJob(t, c, b, "counts,totals,clicks")
	c.AddNodeManager("yarn.nodemanager.resource.memory-mb=4g")
	c.AddNodeManager("yarn.nodemanager.resource.memory-mb=4g")
	for p := range int32(3) {
		r.produce(p, 150)
	}
	r.committedThrough(120 * time.Second)
	batch, node, stopTrickle := r.blockedBatch([]int{1, 2})
	// The node is lost whole: its NodeManager and its executors, which
	// would otherwise serve their own map outputs.
	executors := r.executorsOn(node)
	t.Logf("batch %d between map and reduce: SIGKILL NodeManager %d and its %d executors", batch, node, len(executors))
	c.NMs[node].Kill()
	for _, ex := range executors {
		if err := syscall.Kill(-int(ex.PID), syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			t.Fatalf("SIGKILL %s (pid %d): %v", ex.ID, ex.PID, err)
		}
	}
	r.release(stopTrickle)
	r.committedThrough(120 * time.Second)
	stats := r.stop("counts", "totals", "clicks")
	if st := stats[batch]; st["fetchFailures"] == 0 || st["mapsRecomputed"] == 0 {
		t.Errorf("batch %d: %d fetch failures, %d map tasks run again; want both above 0 (statistics %v)", batch, st["fetchFailures"], st["mapsRecomputed"], st)
	}
}

// TestExecutorHoldingStateKilledStateRestoredExactly: an executor that
// holds keyed state (totals, sessions, windows with and without an
// inverse) is SIGKILLed; its partitions are rebuilt on another executor
// from their last checkpoint and the batches after it, and every stateful
// stage's outputs stay exact.
func TestExecutorHoldingStateKilledStateRestoredExactly(t *testing.T) {
	r, c := startStagesCluster(t, "totals,sessions,window,windowraw", 200)
	r.idle(3 * time.Second)
	var victim testutil.NMContainer
	for i := range c.NMs {
		if cs := c.RunningContainers(r.sub.AppID())[i]; len(cs) > 0 {
			for _, ct := range cs {
				if !strings.HasSuffix(ct.ID, "_000001") {
					victim = ct
				}
			}
		}
	}
	if victim.PID == 0 {
		t.Fatal("no executor to kill")
	}
	t.Logf("SIGKILL executor %s, which holds keyed state", victim.ID)
	sigkill(t, victim)
	for p := range int32(3) {
		r.produce(p, 150)
	}
	r.committedThrough(120 * time.Second)
	r.idle(5 * time.Second)
	stats := r.stop("totals", "sessions", "window", "windowraw")
	var restored, restoreMs int64
	for _, st := range stats {
		restored += st["stateRestored"]
		restoreMs = max(restoreMs, st["stateRestoreMs"])
	}
	if restored == 0 {
		t.Errorf("no partition's state was rebuilt after the executor holding it was killed")
	}
	t.Logf("%d partitions rebuilt, the slowest in %d ms", restored, restoreMs)
}
