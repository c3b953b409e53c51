package driver_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/internal/testutil"
)

var allStages = []string{"counts", "totals", "sessions", "window", "windowraw", "clicks"}

const allStagesArg = "counts,totals,sessions,window,windowraw,clicks"

// stagesExpect are the job's settings in these tests.
var stagesExpect = testutil.StagesExpect{Window: 4 * time.Second, Slide: 2 * time.Second, Timeout: 3 * time.Second}

// view is the i-th record of a test's input: views of a few titles by a
// few users, and some clicks.
func view(p int32) func(i int) string {
	return func(i int) string {
		if i%7 == 3 {
			return fmt.Sprintf("click t%d", (i+int(p))%5)
		}
		return fmt.Sprintf("u%d t%d", (i*3+int(p))%11, (i+int(p))%5)
	}
}

// waitIdle waits until the stream has committed every record and then
// the batches a session needs to time out and a window to slide past.
func (h *stagesHarness) waitIdle(settle time.Duration) {
	h.t.Helper()
	testutil.WaitFor(h.t, 90*time.Second, h.committedThrough)
	until := time.Now().Add(settle)
	testutil.WaitFor(h.t, settle+30*time.Second, func() (bool, string) {
		c := testutil.BatchCommits(h.t, filepath.Join(h.dir, "checkpoint"))
		return len(c) > 0 && time.UnixMilli(c[len(c)-1].BatchTimeMs).After(until), "waiting for idle batches to commit"
	})
}

// TestKeyedStagesCountExactly: every kind of keyed stage, over two waves
// of records and the idle batches after them, writes what a recount of
// the input gives, batch by batch.
func TestKeyedStagesCountExactly(t *testing.T) {
	h := newStagesHarness(t, 2, "--stages", allStagesArg)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stop atomic.Bool
	run := h.startEngine(ctx, stop.Load)
	for i, n := range []*testNode{h.addNode(), h.addNode()} {
		h.startExecutor(ctx, strconv.Itoa(i+1), n, run.addr)
	}
	for p := range int32(2) {
		h.produce(p, 300, view(p))
	}
	testutil.WaitFor(t, 90*time.Second, h.committedThrough)
	for p := range int32(2) {
		h.produce(p, 200, view(p))
	}
	h.waitIdle(5 * time.Second)
	run.finish(t, &stop)
	h.verify(stagesExpect, allStages...)
	stats := h.commitStats()
	if sumStat(stats, "shuffleRecords") == 0 || sumStat(stats, "stateKeys") == 0 || sumStat(stats, "fetchFailures") != 0 {
		t.Errorf("commit statistics: shuffled %d records, %d state keys, %d fetch failures", sumStat(stats, "shuffleRecords"), sumStat(stats, "stateKeys"), sumStat(stats, "fetchFailures"))
	}
}

// blockedBatch makes a batch stop between its map and reduce stages:
// while partition 0 gets records all along, partition 1 gets one whose
// map task waits until the test writes the marker. It returns the batch
// once another of its map tasks has written its map output, and the node
// that holds that output; stopTrickle ends partition 0's records.
func (h *stagesHarness) blockedBatch(ctx context.Context) (batch int64, node *testNode, stopTrickle func()) {
	h.t.Helper()
	tctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for tctx.Err() == nil {
			h.produce(0, 5, view(0))
			select {
			case <-tctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	stopTrickle = func() { cancel(); <-done }
	h.mu.Lock()
	blockAt := int64(len(h.input.Values[1]))
	h.mu.Unlock()
	h.produce(1, 1, func(int) string { return "block" })
	testutil.WaitFor(h.t, 60*time.Second, func() (bool, string) {
		for _, o := range testutil.BatchOffsets(h.t, filepath.Join(h.dir, "checkpoint")) {
			for _, r := range o.Ranges {
				if r.Partition == 1 && r.From <= blockAt && blockAt < r.Until {
					batch = o.BatchTimeMs
				}
			}
		}
		if batch == 0 {
			return false, "the waiting record is in no batch yet"
		}
		for _, n := range h.nodes {
			if idx, _ := filepath.Glob(filepath.Join(n.root, stagesApp, "shuffle", strconv.FormatInt(batch, 10), "map-*.index")); len(idx) > 0 {
				node = n
			}
		}
		return node != nil, fmt.Sprintf("batch %d has no map output yet", batch)
	})
	return batch, node, stopTrickle
}

// release lets the blocked batch go on, and waits until every record is
// committed.
func (h *stagesHarness) release(marker string, stopTrickle func()) {
	h.t.Helper()
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		h.t.Fatal(err)
	}
	stopTrickle()
	testutil.WaitFor(h.t, 90*time.Second, h.committedThrough)
}

// finish tells the engine to stop and waits for it to end well.
func (run *engineRun) finish(t *testing.T, stop *atomic.Bool) {
	t.Helper()
	stop.Store(true)
	if err := <-run.done; err != nil {
		t.Fatal(err)
	}
}

// TestNodeLostBetweenMapAndReduce: a node and its disk are lost after a
// batch's map tasks wrote their outputs there and before its reduce
// stage fetched them; the reduce tasks cannot fetch, the map tasks whose
// outputs were lost run again from their offset ranges, and every stage
// still writes exactly what a recount gives.
func TestNodeLostBetweenMapAndReduce(t *testing.T) {
	nodeLostBetweenMapAndReduce(t, 200*time.Millisecond)
}

// TestNodeLostWhileStateMoves is TestNodeLostBetweenMapAndReduce with
// reduce tasks that do not wait for the executor holding their state, so
// that stateful partitions move between executors and are rebuilt from
// batches whose map outputs were on the lost node too: those map tasks
// run again as well.
func TestNodeLostWhileStateMoves(t *testing.T) {
	nodeLostBetweenMapAndReduce(t, 0)
}

func nodeLostBetweenMapAndReduce(t *testing.T, localityWait time.Duration) {
	marker := filepath.Join(t.TempDir(), "go")
	h := newStagesHarness(t, 2, "--stages", "counts,totals,clicks", "--block-marker", marker)
	h.localityWait = localityWait
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stop atomic.Bool
	run := h.startEngine(ctx, stop.Load)
	nodes := []*testNode{h.addNode(), h.addNode(), h.addNode()}
	for i, n := range nodes {
		h.startExecutor(ctx, strconv.Itoa(i+1), n, run.addr)
	}
	for p := range int32(2) {
		h.produce(p, 200, view(p))
	}
	testutil.WaitFor(t, 90*time.Second, h.committedThrough)
	batch, node, stopTrickle := h.blockedBatch(ctx)
	t.Logf("batch %d between map and reduce; losing the node at %s", batch, node.addr)
	node.lose(t)
	h.release(marker, stopTrickle)
	run.finish(t, &stop)
	h.verify(stagesExpect, "counts", "totals", "clicks")
	st := h.commitStats()[batch]
	if st["fetchFailures"] == 0 || st["mapsRecomputed"] == 0 {
		t.Errorf("batch %d: %d fetch failures, %d map tasks run again; want both above 0 (statistics %v)", batch, st["fetchFailures"], st["mapsRecomputed"], st)
	}
}

// TestExecutorLostBetweenMapAndReduceIsServedByItsNode: the executor that
// wrote a batch's map outputs is gone before the reduce stage fetches
// them; its node's shuffle service serves them, and no map task runs
// again.
func TestExecutorLostBetweenMapAndReduceIsServedByItsNode(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "go")
	h := newStagesHarness(t, 2, "--stages", "counts,totals", "--block-marker", marker)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stop atomic.Bool
	run := h.startEngine(ctx, stop.Load)
	nodes := []*testNode{h.addNode(), h.addNode()}
	var execs []*testExecutor
	for i, n := range nodes {
		execs = append(execs, h.startExecutor(ctx, strconv.Itoa(i+1), n, run.addr))
	}
	for p := range int32(2) {
		h.produce(p, 200, view(p))
	}
	testutil.WaitFor(t, 90*time.Second, h.committedThrough)
	batch, node, stopTrickle := h.blockedBatch(ctx)
	for _, x := range execs {
		if x.node == node {
			t.Logf("batch %d between map and reduce; executor %s on %s is lost", batch, x.id, node.addr)
			x.kill()
			h.startExecutor(ctx, "3", node, run.addr)
		}
	}
	h.release(marker, stopTrickle)
	run.finish(t, &stop)
	h.verify(stagesExpect, "counts", "totals")
	if st := h.commitStats()[batch]; st["mapsRecomputed"] != 0 || st["fetchFailures"] != 0 {
		t.Errorf("batch %d ran %d map tasks again after %d fetch failures; its node should have served them", batch, st["mapsRecomputed"], st["fetchFailures"])
	}
}

// TestStateRestoredOnAnotherExecutor: the executor holding keyed state is
// lost; the partitions it held are rebuilt on the other executor from
// their last checkpoint and the batches after it, and every stateful
// stage's outputs stay exact.
func TestStateRestoredOnAnotherExecutor(t *testing.T) {
	h := newStagesHarness(t, 2, "--stages", "totals,sessions,window,windowraw")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stop atomic.Bool
	run := h.startEngine(ctx, stop.Load)
	nodes := []*testNode{h.addNode(), h.addNode()}
	first := h.startExecutor(ctx, "1", nodes[0], run.addr)
	h.startExecutor(ctx, "2", nodes[1], run.addr)
	for p := range int32(2) {
		h.produce(p, 300, view(p))
	}
	testutil.WaitFor(t, 90*time.Second, h.committedThrough)
	// Let a checkpoint interval pass, so that the restore needs a
	// checkpoint and the batches after it.
	h.waitIdle(3 * time.Second)
	first.kill()
	for p := range int32(2) {
		h.produce(p, 200, view(p))
	}
	h.waitIdle(5 * time.Second)
	run.finish(t, &stop)
	h.verify(stagesExpect, "totals", "sessions", "window", "windowraw")
	stats := h.commitStats()
	if sumStat(stats, "stateRestored") == 0 {
		t.Errorf("no partition's state was rebuilt after its executor was lost")
	}
}

// TestStateResumesAfterADriverRestart: a new driver with new executors
// resumes every stateful stage from its checkpoints and the batches after
// them, written again from their offsets, and stays exact.
func TestStateResumesAfterADriverRestart(t *testing.T) {
	h := newStagesHarness(t, 2, "--stages", "totals,sessions,window")
	// One checkpoint, at the first batch: the restart rebuilds the state
	// through every batch after it.
	h.settings[conf.KeyStateCheckpointInterval] = "10m"
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var stop atomic.Bool
	run := h.startEngine(ctx, stop.Load)
	n1 := h.addNode()
	x := h.startExecutor(ctx, "1", n1, run.addr)
	for p := range int32(2) {
		h.produce(p, 300, view(p))
	}
	h.waitIdle(3 * time.Second)
	run.finish(t, &stop)
	x.kill()
	n1.lose(t)

	stop.Store(false)
	run = h.startEngine(ctx, stop.Load)
	h.startExecutor(ctx, "2", h.addNode(), run.addr)
	for p := range int32(2) {
		h.produce(p, 200, view(p))
	}
	h.waitIdle(5 * time.Second)
	run.finish(t, &stop)
	h.verify(stagesExpect, "totals", "sessions", "window")
	if stats := h.commitStats(); sumStat(stats, "stateRestored") == 0 || sumStat(stats, "mapsRecomputed") == 0 {
		t.Errorf("after the restart: %d partitions rebuilt, %d map tasks run again; want both above 0", sumStat(stats, "stateRestored"), sumStat(stats, "mapsRecomputed"))
	}
}

// TestReduceStageGivesUpAfterMaxConsecutiveAttempts: with
// spark.stage.maxConsecutiveAttempts=1, a reduce stage that cannot fetch
// its map outputs is not attempted again: the batch fails, naming the
// key, and is not committed.
func TestReduceStageGivesUpAfterMaxConsecutiveAttempts(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "go")
	h := newStagesHarness(t, 2, "--stages", "counts", "--block-marker", marker)
	h.settings[conf.KeyStageMaxAttempts] = "1"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run := h.startEngine(ctx, func() bool { return false })
	for i, n := range []*testNode{h.addNode(), h.addNode()} {
		h.startExecutor(ctx, strconv.Itoa(i+1), n, run.addr)
	}
	for p := range int32(2) {
		h.produce(p, 100, view(p))
	}
	testutil.WaitFor(t, 90*time.Second, h.committedThrough)
	batch, node, stopTrickle := h.blockedBatch(ctx)
	node.lose(t)
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	stopTrickle()
	select {
	case err := <-run.done:
		if err == nil || !strings.Contains(err.Error(), conf.KeyStageMaxAttempts) {
			t.Fatalf("the driver ended with %v; want the batch failed after %s attempts", err, conf.KeyStageMaxAttempts)
		}
	case <-ctx.Done():
		t.Fatal("the driver went on after a reduce stage that could not fetch its map outputs")
	}
	for _, c := range testutil.BatchCommits(t, filepath.Join(h.dir, "checkpoint")) {
		if c.BatchTimeMs >= batch {
			t.Errorf("batch %d committed, after batch %d failed", c.BatchTimeMs, batch)
		}
	}
}
