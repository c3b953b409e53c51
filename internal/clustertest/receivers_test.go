package clustertest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/rabbitmqtest"
	"github.com/spindlehq/spindle/internal/testutil"
)

// queueJob submits the retail job reading its transactions from queue on
// b through its AMQP receiver, with its checkpoint and sink under dir.
func queueJob(t testing.TB, c *testutil.Cluster, b *rabbitmqtest.Broker, queue, dir string, extra ...string) *testutil.Submission {
	flags := []string{"--num-executors", "2", "--executor-memory", "128m", "--driver-memory", "128m",
		"--files", testutil.RetailRegions(),
		"--conf", "spindle.streaming.batchDuration=300ms",
		"--conf", "spindle.checkpoint.dir=file://" + dir + "/checkpoint",
		"--conf", "spindle.sink.path=file://" + dir + "/out",
		"--conf", "spindle.streaming.shutdownMarker.pollInterval=100ms",
		"--conf", "spark.locality.wait=10ms",
		"--conf", "spark.streaming.blockInterval=100ms",
		"--conf", "spark.streaming.receiverRestartDelay=200ms",
	}
	if !slices.ContainsFunc(extra, func(f string) bool { return strings.HasPrefix(f, "spindle.checkpoint.retainBatches=") }) {
		flags = append(flags, "--conf", "spindle.checkpoint.retainBatches=100000")
	}
	flags = append(append(flags, extra...), testutil.Binary(t, "./examples/retail", "retail"),
		"--regions", "regions.csv", "--amqp-queue", queue, "--amqp-url", b.URL, "--amqp-prefetch", "200")
	return c.Submit(flags...)
}

// queueCluster starts a broker with the queue "tx" and a cluster of two
// NodeManagers, and returns them with a directory for a job's checkpoint,
// write-ahead logs and sink that its containers (running as another user)
// can write.
func queueCluster(t *testing.T) (*rabbitmqtest.Broker, *testutil.Cluster, string, jobFS) {
	b := rabbitmqtest.Start(t)
	if err := b.Declare("tx"); err != nil {
		t.Fatal(err)
	}
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	dir := testutil.SharedDir(t)
	return b, c, dir, jobFS{uri: "file://" + dir, local: dir}
}

// logQueueAppOnFailure logs, when the test fails, each attempt of appID
// with its diagnostics and the WARN and ERROR lines of its AM's log, and
// the receivers' lines of the executors' logs.
func logQueueAppOnFailure(t *testing.T, c *testutil.Cluster, appID string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, a := range c.Attempts(appID) {
			t.Logf("attempt %s: %s: %s", a.GetAttemptId(), a.GetState(), a.GetDiagnostics())
		}
		logs, _ := filepath.Glob(filepath.Join(c.Dir, "nm*", "nm-logs", appID, "container_*", "spindle.log"))
		for _, l := range logs {
			raw, _ := os.ReadFile(l)
			var keep []string
			for _, line := range strings.Split(string(raw), "\n") {
				if l := strings.ToLower(line); strings.Contains(l, "warn") || strings.Contains(l, "error") || strings.Contains(l, "receiver") || strings.Contains(l, "recovered") || strings.Contains(l, "block") {
					keep = append(keep, line)
				}
			}
			t.Logf("%s:\n%s", l, strings.Join(keep, "\n"))
		}
	})
}

// receiverContainer is the running executor container whose log says its
// receiver started, and its pid.
func receiverContainer(t *testing.T, c *testutil.Cluster, appID string, not ...string) (string, int) {
	t.Helper()
	var id string
	var pid int
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		for _, cs := range c.RunningContainers(appID) {
			for _, ct := range cs {
				if strings.HasSuffix(ct.ID, "_000001") || ct.PID <= 0 || slices.Contains(not, ct.ID) {
					continue
				}
				logs, _ := filepath.Glob(filepath.Join(c.Dir, "nm*", "nm-logs", appID, ct.ID, "spindle.log"))
				for _, l := range logs {
					raw, _ := os.ReadFile(l)
					if strings.Contains(string(raw), "receiver started") {
						id, pid = ct.ID, int(ct.PID)
						return true, ""
					}
				}
			}
		}
		return false, "no running executor has started the receiver"
	})
	return id, pid
}

// walBlocks counts the block files in the receivers' write-ahead log.
func walBlocks(t *testing.T, dir string) int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "checkpoint", "receivedData", "*", "log-*", "input-*"))
	return len(files)
}

// walFiles are the files of the receivers' and the driver's write-ahead
// logs.
func walFiles(t *testing.T, dir string) []string {
	t.Helper()
	blocks, _ := filepath.Glob(filepath.Join(dir, "checkpoint", "receivedData", "*", "log-*", "input-*"))
	meta, _ := filepath.Glob(filepath.Join(dir, "checkpoint", "receivedBlockMetadata", "log-*", "*"))
	return append(blocks, meta...)
}

// TestQueueReceiverExactlyOnce: the retail job reads its transactions
// from a RabbitMQ queue through its AMQP receiver with the write-ahead log
// on. Transactions published before and while it runs are in the sink
// exactly once with the exact revenue per store and dead letters; then
// the executor running the receiver is SIGKILLed while transactions keep
// arriving: the receiver starts again on the other executor, and the
// sink still holds every transaction exactly once, the queue is empty,
// and every batch recorded its blocks in the checkpoint.
func TestQueueReceiverExactlyOnce(t *testing.T) {
	b, c, dir, f := queueCluster(t)
	var want testutil.RetailTotals
	testutil.PublishRetail(t, b, "tx", 0, 600, &want)
	sub := queueJob(t, c, b, "tx", dir, "--conf", "spark.streaming.receiver.writeAheadLog.enable=true", "--conf", "spark.yarn.max.executor.failures=10",
		"--conf", "spindle.checkpoint.retainBatches=10")
	appID := sub.AppID()
	t.Cleanup(func() { killApp(t, c, appID) })
	logQueueAppOnFailure(t, c, appID)
	waitRetailSink(t, f, &want, 90*time.Second)
	early := walFiles(t, dir)
	if len(early) == 0 {
		t.Fatal("no block in the receivers' write-ahead log")
	}

	// The receiver's executor dies while transactions arrive.
	first, pid := receiverContainer(t, c, appID)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 6 {
			testutil.PublishRetail(t, b, "tx", 600+i*200, 200, &want)
			time.Sleep(100 * time.Millisecond)
		}
	}()
	before := walBlocks(t, dir)
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		return walBlocks(t, dir) > before, "waiting for the receiver to store a block of the new transactions"
	})
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	t.Logf("executor %s running the receiver killed", first)
	<-done
	waitRetailSink(t, f, &want, 120*time.Second)
	second, _ := receiverContainer(t, c, appID, first)
	t.Logf("receiver runs again in %s", second)
	checkReceiverTab(t, c, appID, first)
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		n, err := b.Depth("tx")
		return err == nil && n == 0, fmt.Sprintf("queue holds %d messages (%v)", n, err)
	})
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		blocks, _ := filepath.Glob(filepath.Join(dir, "checkpoint", "blocks", "*"))
		offsets, _ := filepath.Glob(filepath.Join(dir, "checkpoint", "offsets", "*"))
		return len(blocks) > 0 && len(blocks) == len(offsets), fmt.Sprintf("%d blocks entries for %d batches", len(blocks), len(offsets))
	})
	// Once the checkpoint no longer holds their batches (it keeps 10),
	// the first blocks and the driver's records of them are removed.
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		var left []string
		for _, p := range early {
			if _, err := os.Stat(p); err == nil {
				left = append(left, p)
			}
		}
		return len(left) == 0, fmt.Sprintf("%d of the first %d write-ahead log files are still there: %v", len(left), len(early), left)
	})
}

// checkReceiverTab opens the Streaming tab through the RM's proxy in
// headless Chromium as the application's owner: its receivers table shows the one receiver ACTIVE
// again, with the records it stored and, as its last error, the loss of
// the executor of container lost.
func checkReceiverTab(t *testing.T, c *testutil.Cluster, appID, lost string) {
	t.Helper()
	br := testutil.NewBrowserAs(t, c.TLS.ClientTLS)
	url := strings.TrimSuffix(trackingURL(t, c, appID), "/") + "/streaming/"
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		br.Open(url)
		rows, status, errText := br.Count("#receivers tbody tr"), br.Text("#receivers .status"), br.Text("#receivers .error")
		records, _ := strconv.Atoi(br.Text("#receivers .records"))
		return rows == 1 && status == "ACTIVE" && records > 0 && strings.Contains(errText, "lost"),
			fmt.Sprintf("receivers table: %d rows, status %q, %d records, last error %q", rows, status, records, errText)
	})
	t.Logf("Streaming tab: receiver %s, last error %q (executor of %s killed)", br.Text("#receivers .status"), br.Text("#receivers .error"), lost)
}

// unallocatedBlocks reads the driver's write-ahead log and the
// checkpoint's blocks entries under dir and returns how many recorded
// blocks no batch holds.
func unallocatedBlocks(t *testing.T, dir string) int {
	t.Helper()
	ck := filepath.Join(dir, "checkpoint")
	var through uint64
	entries, _ := filepath.Glob(filepath.Join(ck, "blocks", "*"))
	for _, e := range entries {
		raw, err := os.ReadFile(e)
		if err != nil {
			continue
		}
		var body struct {
			ThroughSeq uint64 `json:"throughSeq"`
		}
		if lines := strings.Split(string(raw), "\n"); len(lines) >= 2 && json.Unmarshal([]byte(lines[1]), &body) == nil {
			through = max(through, body.ThroughSeq)
		}
	}
	n := 0
	files, _ := filepath.Glob(filepath.Join(ck, "receivedBlockMetadata", "log-*", "*"))
	for _, f := range files {
		var first, last uint64
		if _, err := fmt.Sscanf(filepath.Base(f), "%d-%d", &first, &last); err != nil {
			continue
		}
		for s := first; s <= last; s++ {
			if s > through {
				n++
			}
		}
	}
	return n
}

// TestQueueReceiverAMKilledWithBlocksNotInABatch: the AM is SIGKILLed
// while the driver has recorded blocks that no batch holds yet (they are
// in the write-ahead log, their messages acknowledged to the broker). The
// next attempt finds them in the driver's log, its first batch processes
// them, and the sink holds every transaction exactly once.
func TestQueueReceiverAMKilledWithBlocksNotInABatch(t *testing.T) {
	b, c, dir, f := queueCluster(t)
	var want testutil.RetailTotals
	sub := queueJob(t, c, b, "tx", dir, "--conf", "spark.streaming.receiver.writeAheadLog.enable=true",
		"--conf", "spindle.streaming.batchDuration=4s", "--conf", "spark.yarn.maxAppAttempts=2")
	appID := sub.AppID()
	t.Cleanup(func() { killApp(t, c, appID) })
	testutil.PublishRetail(t, b, "tx", 0, 600, &want)
	waitRetailSink(t, f, &want, 90*time.Second)

	// Right after a batch commits, more transactions are stored and
	// recorded; the AM dies before the next batch takes them.
	commits := len(testutil.BatchCommits(t, filepath.Join(dir, "checkpoint")))
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		n := len(testutil.BatchCommits(t, filepath.Join(dir, "checkpoint")))
		return n > commits, "waiting for the next commit"
	})
	testutil.PublishRetail(t, b, "tx", 600, 600, &want)
	testutil.WaitFor(t, 3*time.Second, func() (bool, string) {
		n, err := b.Depth("tx")
		return err == nil && n == 0 && unallocatedBlocks(t, dir) > 0, fmt.Sprintf("queue %d, blocks not in a batch %d", n, unallocatedBlocks(t, dir))
	})
	am := amContainer(t, c, appID, 1)
	if err := syscall.Kill(int(am.PID), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	pending := unallocatedBlocks(t, dir)
	if pending == 0 {
		t.Fatal("a batch took the blocks before the AM was killed")
	}
	t.Logf("AM %s killed with %d recorded blocks in no batch", am.ID, pending)

	waitRetailSink(t, f, &want, 120*time.Second)
	if n := len(c.Attempts(appID)); n != 2 {
		t.Fatalf("%d attempts, want 2", n)
	}
	if log := amLog(t, c, appID, 2); !strings.Contains(log, "recovered received blocks that no batch holds yet; the next batch takes them") {
		t.Fatalf("attempt 2 did not recover the blocks; its log:\n%s", log)
	}
	testutil.PublishRetail(t, b, "tx", 1200, 300, &want)
	waitRetailSink(t, f, &want, 60*time.Second)
}

// TestQueueReceiverThatCannotStartFailsTheApplication: a receiver whose
// OnStart fails every time (its broker refuses connections) is reported
// and started again, here and on the other executor, after
// spark.streaming.receiverRestartDelay; after
// spindle.streaming.receiver.maxFailures failed starts in a row the
// application fails at once, and its diagnostics say which receiver and
// why.
func TestQueueReceiverThatCannotStartFailsTheApplication(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	dir := testutil.SharedDir(t)
	dead := &rabbitmqtest.Broker{URL: "amqp://guest:guest@127.0.0.1:1/"}
	sub := queueJob(t, c, dead, "tx", dir, "--conf", "spindle.streaming.receiver.maxFailures=3", "--conf", "spark.streaming.receiver.writeAheadLog.enable=true")
	appID := sub.AppID()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("AM log:\n%s", amLog(t, c, appID, 1))
		}
	})
	r := c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_FAILED, 90*time.Second)
	t.Logf("diagnostics of %s:\n%s", appID, r.GetDiagnostics())
	want := regexp.MustCompile(`^driver failed: driver: another attempt would fail the same way: receiver 0 \(amqp-tx\) failed 3 times in a row without storing a block \(spindle.streaming.receiver.maxFailures = 3\); last failure, on executor \d+: sdk: job \S+: receiver 0: OnStart: connect to amqp://guest@127.0.0.1:1/: dial tcp 127.0.0.1:1: connect: connection refused$`)
	if !want.MatchString(r.GetDiagnostics()) {
		t.Fatalf("diagnostics %q\ndo not match %s", r.GetDiagnostics(), want)
	}
	if n := len(c.Attempts(appID)); n != 1 {
		t.Fatalf("%d attempts, want 1", n)
	}
	log := amLog(t, c, appID, 1)
	for i := 1; i <= 3; i++ {
		if !strings.Contains(log, fmt.Sprintf(`"failuresInARow": %d`, i)) {
			t.Errorf("AM log lacks the failed start %d:\n%s", i, log)
		}
	}
}

// sinkRecords counts the transactions and dead letters in the retail
// job's sink under dir.
func sinkRecords(t *testing.T, dir string) (int64, []int) {
	t.Helper()
	got := testutil.ReadRetailSink(t, filepath.Join(dir, "out"))
	n := got.Totals.Valid
	for _, r := range got.Totals.Rejected {
		n += r
	}
	return n, got.Duplicates
}

// TestQueueReceiverWithoutWALLosesWhatTheExecutorHeld: with the
// write-ahead log off, as in Spark, the blocks a receiver stored are held
// only in its executor's memory and acknowledged to the broker; when that
// executor is SIGKILLed before their batch runs, their records are lost.
// The receivers' REST resource counts them, the AM's log names each lost
// block, and the sink holds every other transaction exactly once,
// including those published after the kill.
func TestQueueReceiverWithoutWALLosesWhatTheExecutorHeld(t *testing.T) {
	b, c, dir, f := queueCluster(t)
	var want testutil.RetailTotals
	sub := queueJob(t, c, b, "tx", dir, "--conf", "spindle.streaming.batchDuration=4s", "--conf", "spark.yarn.max.executor.failures=10",
		"--conf", "spark.executor.cores=2")
	appID := sub.AppID()
	t.Cleanup(func() { killApp(t, c, appID) })
	testutil.PublishRetail(t, b, "tx", 0, 600, &want)
	waitRetailSink(t, f, &want, 90*time.Second)

	// Right after a batch commits, 600 more are stored in the executor's
	// memory and acknowledged; the executor dies before the next batch.
	exec, pid := receiverContainer(t, c, appID)
	commits := len(testutil.BatchCommits(t, filepath.Join(dir, "checkpoint")))
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		return len(testutil.BatchCommits(t, filepath.Join(dir, "checkpoint"))) > commits, "waiting for the next commit"
	})
	var held testutil.RetailTotals
	testutil.PublishRetail(t, b, "tx", 600, 600, &held)
	testutil.WaitFor(t, 3*time.Second, func() (bool, string) {
		n, err := b.Depth("tx")
		return err == nil && n == 0, fmt.Sprintf("queue holds %d messages (%v)", n, err)
	})
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	t.Logf("executor %s running the receiver killed", exec)
	receiverContainer(t, c, appID, exec)
	testutil.PublishRetail(t, b, "tx", 1200, 300, &want)

	base := trackingURL(t, c, appID)
	var lost int64
	testutil.WaitFor(t, 120*time.Second, func() (bool, string) {
		var rs []struct {
			NumRecordsLost int64 `json:"numRecordsLost"`
		}
		if err := json.Unmarshal([]byte(httpGet(t, c.TLS.ClientTLS, base+"/api/v1/streaming/receivers")), &rs); err != nil || len(rs) != 1 {
			return false, fmt.Sprintf("receivers %v: %v", rs, err)
		}
		lost = rs[0].NumRecordsLost
		n, dups := sinkRecords(t, dir)
		if len(dups) > 0 {
			t.Fatalf("transactions in the sink more than once: %v", dups)
		}
		return lost > 0 && n == 1500-lost, fmt.Sprintf("%d records in the sink, %d lost, want 1500 in all", n, lost)
	})
	t.Logf("%d of the 600 records the killed executor held were lost", lost)
	if log := amLog(t, c, appID, 1); !strings.Contains(log, "received block lost: it was held only in the memory of an executor that is gone") {
		t.Fatalf("the AM's log names no lost block:\n%s", log)
	}
}
