package clustertest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
	"go.uber.org/zap"
)

// streamingJob submits a Spindle job (plugin mode) reading topic from b,
// with its checkpoint and sink under dir, and returns the submission.
func streamingJob(c *testutil.Cluster, b *kafkatest.Broker, topic, dir string, extra []string, job string, args ...string) *testutil.Submission {
	flags := []string{"--num-executors", "2", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spindle.kafka.bootstrap.servers=" + strings.Join(b.Addrs(), ","),
		"--conf", "spindle.kafka.topics=" + topic,
		"--conf", "spindle.kafka.auto.offset.reset=earliest",
		"--conf", "spindle.streaming.batchDuration=300ms",
		"--conf", "spindle.checkpoint.dir=file://" + dir + "/checkpoint",
		"--conf", "spindle.sink.path=file://" + dir + "/out",
		"--conf", "spindle.streaming.shutdownMarker.pollInterval=100ms",
		"--conf", "spark.locality.wait=10ms",
	}
	flags = append(append(flags, extra...), job)
	return c.Submit(append(flags, args...)...)
}

// sinkLines reads every output line under dir/out (not the dead letters).
func sinkLines(t *testing.T, dir string) []string {
	t.Helper()
	var lines []string
	files, _ := filepath.Glob(filepath.Join(dir, "out", "batch=*", "part-*"))
	for _, f := range files {
		lines = append(lines, readLines(t, f)...)
	}
	return lines
}

func deadLetters(t *testing.T, dir string) []map[string]any {
	t.Helper()
	var out []map[string]any
	files, _ := filepath.Glob(filepath.Join(dir, "out", "_deadletter", "batch=*", "part-*"))
	for _, f := range files {
		for _, l := range readLines(t, f) {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("dead letter %q: %v", l, err)
			}
			out = append(out, m)
		}
	}
	return out
}

func readLines(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// TestWordCountThroughPluginsAcrossFourPartitions: records go through
// parse / emit in the executors' plugins, rejected records land in the
// dead-letter output with their reason, aggregates reduce across the 4
// partitions into the driver's state, and a graceful stop by marker file
// ends the app SUCCEEDED with the marker renamed .COMPLETED.
func TestWordCountThroughPluginsAcrossFourPartitions(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"lines": 4})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	want := map[string]int{}
	empties := 0
	for p := int32(0); p < 4; p++ {
		b.Produce(t, "lines", p, 200, func(i int) ([]byte, []byte) {
			if i%10 == 0 {
				empties++
				return nil, nil
			}
			line := fmt.Sprintf("Alpha beta w%d", (i+int(p))%7)
			for _, w := range strings.Fields(strings.ToLower(line)) {
				want[w]++
			}
			return nil, []byte(line)
		})
	}
	dir := testutil.SharedDir(t)
	sub := streamingJob(c, b, "lines", dir, nil, testutil.Binary(t, "./examples/wordcount", "wordcount"), "--lower")
	appID := sub.AppID()
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		got := map[string]int{}
		for _, l := range sinkLines(t, dir) {
			w, n, _ := strings.Cut(l, "\t")
			k, _ := strconv.Atoi(n)
			got[w] += k
		}
		for w, n := range want {
			if got[w] != n {
				return false, fmt.Sprintf("sink has %d of %q, want %d", got[w], w, n)
			}
		}
		if len(got) != len(want) {
			return false, fmt.Sprintf("sink words %v", got)
		}
		// A task writes its outputs, then its dead letters.
		n := len(deadLetters(t, dir))
		return n == empties, fmt.Sprintf("%d dead letters, want %d (the empty lines)", n, empties)
	})
	dl := deadLetters(t, dir)
	if dl[0]["reason"] != "empty line" || dl[0]["stage"] != "parse" {
		t.Fatalf("dead letter %v, want reason \"empty line\" at stage parse", dl[0])
	}
	// Graceful stop: the marker ends the app SUCCEEDED and is renamed.
	marker := filepath.Join(dir, "checkpoint", "_shutdown")
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sub.Wait(60 * time.Second); err != nil {
		t.Fatalf("submit after the marker: %v", err)
	}
	if r := c.Report(appID); r.GetFinalStatus() != pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED {
		t.Fatalf("final status %v, want SUCCEEDED", r.GetFinalStatus())
	}
	if _, err := os.Stat(marker + ".COMPLETED"); err != nil {
		t.Fatalf("marker not renamed .COMPLETED: %v", err)
	}
	// The reduced state across partitions holds every word's total.
	store, _ := dfs.NewFileStore("/")
	log, err := hdfscheckpoint.NewLog(store, filepath.Join(dir, "checkpoint"), 0, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := log.Recover(context.Background())
	if err != nil || rec.LastCommitted == nil {
		t.Fatalf("recover: %+v, %v", rec, err)
	}
	raw, err := log.ReadState(context.Background(), rec.LastCommitted.BatchTime, hdfscheckpoint.AllPartitionsState)
	if err != nil {
		t.Fatal(err)
	}
	var snap struct{ State map[string][]byte }
	if err := json.Unmarshal(raw, &snap); err != nil {
		t.Fatal(err)
	}
	for w, n := range want {
		if got, _ := strconv.Atoi(string(snap.State[w])); got != n {
			t.Fatalf("state[%s] = %s, want %d", w, snap.State[w], n)
		}
	}
}

// TestPanickingTaskIsRetried: a plugin that panics on a record the first
// time fails that task; the retry succeeds and the record reaches the sink.
func TestPanickingTaskIsRetried(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"events": 2})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	values := []string{"a", "boom", "b"}
	b.Produce(t, "events", 0, len(values), func(i int) ([]byte, []byte) { return nil, []byte(values[i]) })
	dir := testutil.SharedDir(t)
	once := filepath.Join(dir, "panicked-once")
	sub := streamingJob(c, b, "events", dir, []string{"--conf", "spark.executorEnv.PANIC_ONCE_FILE=" + once}, testutil.Binary(t, "./internal/testutil/panicjob", "panicjob"))
	appID := sub.AppID()
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		got := sinkLines(t, dir)
		return len(got) == 3, fmt.Sprintf("sink has %v", got)
	})
	if _, err := os.Stat(once); err != nil {
		t.Fatal("the job never panicked: the retry was not exercised")
	}
	if r := c.Report(appID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING {
		t.Fatalf("app %v after a retried task, want RUNNING", r.GetState())
	}
}

// TestPanickingTaskFailsTheBatchAfterMaxFailures: a plugin that always
// panics fails its task spark.task.maxFailures times, then the batch and the
// application fail with the panic message in the diagnostics.
func TestPanickingTaskFailsTheBatchAfterMaxFailures(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"events": 1})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	b.Produce(t, "events", 0, 1, func(int) ([]byte, []byte) { return nil, []byte("boom") })
	dir := testutil.SharedDir(t)
	sub := streamingJob(c, b, "events", dir, []string{"--conf", "spark.task.maxFailures=2", "--conf", "spark.yarn.maxAppAttempts=1"},
		testutil.Binary(t, "./internal/testutil/panicjob", "panicjob"))
	appID := sub.AppID()
	r := c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_FAILED, 60*time.Second)
	for _, want := range []string{"boom record at offset 0", "failed 2 times (spark.task.maxFailures = 2)"} {
		if !strings.Contains(r.GetDiagnostics(), want) {
			t.Errorf("diagnostics lack %q:\n%s", want, r.GetDiagnostics())
		}
	}
}

// TestKilledExecutorsTasksRerunElsewhere: an executor SIGKILLed while its
// tasks run has them rerun on other executors; every record reaches the sink.
func TestKilledExecutorsTasksRerunElsewhere(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"events": 4})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	dir := testutil.SharedDir(t)
	sub := streamingJob(c, b, "events", dir, nil, testutil.Binary(t, "./internal/testutil/panicjob", "panicjob"))
	appID := sub.AppID()
	before := waitExecutors(t, c, appID, 2, 30*time.Second)
	for p := int32(0); p < 4; p++ {
		b.Produce(t, "events", p, 2, func(i int) ([]byte, []byte) { return nil, []byte([]string{"slow", fmt.Sprint("v", p)}[i]) })
	}
	// Kill one executor once the batch with the slow records is planned
	// (its offsets entry is written just before its tasks launch; each
	// takes 2 s).
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		files, _ := filepath.Glob(filepath.Join(dir, "checkpoint", "offsets", "*"))
		for _, f := range files {
			raw, _ := os.ReadFile(f)
			if strings.Contains(string(raw), `"until":2`) {
				return true, ""
			}
		}
		return false, "the batch with the slow records is not planned yet"
	})
	if n := len(sinkLines(t, dir)); n != 0 {
		t.Fatalf("%d records already in the sink before the kill: the tasks were not in flight", n)
	}
	for id, nm := range before {
		for _, ct := range c.RunningContainers(appID)[nm] {
			if ct.ID == id {
				syscall.Kill(int(ct.PID), syscall.SIGKILL)
			}
		}
		break
	}
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		got := sinkLines(t, dir)
		return len(got) == 8, fmt.Sprintf("sink has %d of 8 records", len(got))
	})
	if r := c.Report(appID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING {
		t.Fatalf("app %v after losing an executor, want RUNNING", r.GetState())
	}
}
