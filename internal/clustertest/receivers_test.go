package clustertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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
		"--conf", "spindle.checkpoint.retainBatches=100000",
		"--conf", "spindle.sink.path=file://" + dir + "/out",
		"--conf", "spindle.streaming.shutdownMarker.pollInterval=100ms",
		"--conf", "spark.locality.wait=10ms",
		"--conf", "spark.streaming.blockInterval=100ms",
		"--conf", "spark.streaming.receiverRestartDelay=200ms",
	}
	flags = append(append(flags, extra...), testutil.Binary(t, "./examples/retail", "retail"),
		"--regions", "regions.csv", "--amqp-queue", queue, "--amqp-url", b.URL, "--amqp-prefetch", "200")
	return c.Submit(flags...)
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
				if strings.HasSuffix(ct.ID, "_000001") || ct.PID <= 0 || contains(not, ct.ID) {
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

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// walBlocks counts the block files in the receivers' write-ahead log.
func walBlocks(t *testing.T, dir string) int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "checkpoint", "receivedData", "*", "log-*", "input-*"))
	return len(files)
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
	b := rabbitmqtest.Start(t)
	if err := b.Declare("tx"); err != nil {
		t.Fatal(err)
	}
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	dir := t.TempDir()
	f := jobFS{uri: "file://" + dir, local: dir}
	var want testutil.RetailTotals
	testutil.PublishRetail(t, b, "tx", 0, 600, &want)
	sub := queueJob(t, c, b, "tx", dir, "--conf", "spark.streaming.receiver.writeAheadLog.enable=true", "--conf", "spark.yarn.max.executor.failures=10")
	appID := sub.AppID()
	t.Cleanup(func() { killApp(t, c, appID) })
	waitRetailSink(t, f, &want, 90*time.Second)
	if n := walBlocks(t, dir); n == 0 {
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
	time.Sleep(250 * time.Millisecond)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	t.Logf("executor %s running the receiver killed", first)
	<-done
	waitRetailSink(t, f, &want, 120*time.Second)
	second, _ := receiverContainer(t, c, appID, first)
	t.Logf("receiver runs again in %s", second)
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		n, err := b.Depth("tx")
		return err == nil && n == 0, fmt.Sprintf("queue holds %d messages (%v)", n, err)
	})
	blocks, _ := filepath.Glob(filepath.Join(dir, "checkpoint", "blocks", "*"))
	offsets, _ := filepath.Glob(filepath.Join(dir, "checkpoint", "offsets", "*"))
	if len(blocks) == 0 || len(blocks) != len(offsets) {
		t.Fatalf("%d blocks entries for %d batches", len(blocks), len(offsets))
	}
}
