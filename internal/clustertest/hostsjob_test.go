package clustertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/dfs/dfstest"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/minihdfs"
	"github.com/spindlehq/spindle/internal/netns"
	"github.com/spindlehq/spindle/internal/testutil"
)

// hostsJob is the retail job on a cluster of six test hosts: the RM, three
// NMs (nm0, nm1, nm2), Kafka and HDFS, each on its own.
type hostsJob struct {
	t    *testing.T
	n    *netns.Network
	c    *testutil.Cluster
	b    *kafkatest.Broker
	h    *minihdfs.Cluster
	f    jobFS
	sub  *testutil.Submission
	app  string
	want testutil.RetailTotals
	next int // the next transaction's number
	// halfOpen counts the connections the AM's host held to a host that
	// lost power (isolateExecutorHost).
	halfOpen int
}

const (
	hostsTopic      = "transactions"
	hostsPartitions = 4
)

// faultConf are the settings of a job that must ride out faults: attempts
// and failures to spare, and an AM that gives up on an unreachable RM
// soon after the RM has given up on it.
var faultConf = []string{
	"--num-executors", "3",
	"--conf", "spindle.streaming.batchDuration=500ms",
	"--conf", "spark.yarn.maxAppAttempts=20",
	"--conf", "spark.yarn.max.executor.failures=100",
	"--conf", "spark.task.maxFailures=20",
	"--conf", "spindle.am.rmUnreachableTimeout=20s",
}

// startHostsJob starts the hosts, the cluster and the retail job with its
// checkpoint and sink on HDFS (onHDFS) or on the local file system, and
// waits for its first batch.
func startHostsJob(t *testing.T, onHDFS bool, extra ...string) *hostsJob {
	t.Helper()
	j := &hostsJob{t: t}
	j.n = netns.New(t, "rm", "nm0", "nm1", "nm2", "kafka", "hdfs")
	j.h = dfstest.StartHDFSOn(t, j.n.Host("hdfs"), 0)
	j.b = kafkatest.Start(t, map[string]int32{hostsTopic: hostsPartitions}, kafkatest.WithHost(j.n.Host("kafka")))
	j.c = testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 3, Hosts: j.n})
	j.f = localFS(t)
	if onHDFS {
		j.f = hdfsFS(t, j.h, "/jobs/"+strings.ToLower(t.Name()))
	}
	conf := append(append(append([]string{}, faultConf...), j.f.conf()...), extra...)
	j.sub = retailJob(t, j.c, j.b, hostsTopic, j.f.local, conf...)
	j.app = j.sub.AppID()
	t.Cleanup(func() { killApp(t, j.c, j.app) })
	j.produce(2000)
	j.waitCommitted(90 * time.Second)
	return j
}

// produce sends n more transactions.
func (j *hostsJob) produce(n int) {
	j.t.Helper()
	testutil.ProduceRetail(j.t, j.b, hostsTopic, hostsPartitions, j.next, n, &j.want)
	j.next += n
}

// checkpoint returns the local view of the checkpoint's offsets and
// commits (copied from HDFS when it lives there).
func (j *hostsJob) checkpoint() string {
	j.t.Helper()
	if strings.HasPrefix(j.f.uri, "file://") {
		return filepath.Join(j.f.local, "checkpoint")
	}
	local := filepath.Join(j.t.TempDir(), "checkpoint")
	for _, log := range []string{"offsets", "commits"} {
		mirror(j.t, j.f.store, j.f.base+"/checkpoint/"+log, filepath.Join(local, log))
	}
	return local
}

// waitCommitted waits until the newest committed batch ends at the latest
// offset of every partition: every transaction produced is processed.
func (j *hostsJob) waitCommitted(timeout time.Duration) {
	j.t.Helper()
	want := map[string]int64{}
	for p := range int32(hostsPartitions) {
		_, want[fmt.Sprintf("%s-%d", hostsTopic, p)] = j.b.Offsets(j.t, hostsTopic, p)
	}
	testutil.WaitFor(j.t, timeout, func() (bool, string) {
		got := testutil.CommittedUntil(j.t, j.checkpoint())
		for k, v := range want {
			if got[k] != v {
				return false, fmt.Sprintf("committed up to %v, want %v (application %s)", got, want, j.state())
			}
		}
		return true, ""
	})
}

// state is the application's state and attempts, for messages.
func (j *hostsJob) state() string {
	r := j.c.Report(j.app)
	return fmt.Sprintf("%v after %d attempts", r.GetState(), len(j.c.Attempts(j.app)))
}

// checkExact checks the sink, the dead letters and the state against every
// transaction produced, with nothing twice; and that the epochs recorded
// in the commits never go back: no attempt committed after a newer one.
func (j *hostsJob) checkExact() {
	j.t.Helper()
	waitRetailSink(j.t, j.f, &j.want, 60*time.Second)
	waitRetailState(j.t, j.f, &j.want, 30*time.Second)
	if d := testutil.ReadRetailSink(j.t, filepath.Join(j.f.view(j.t), "out")).IDsDiff(j.next); d != "" {
		j.t.Errorf("sink: %s", d)
	}
	checkEpochsInOrder(j.t, testutil.BatchCommits(j.t, j.checkpoint()))
}

// checkEpochsInOrder fails when a commit was written by an older attempt
// than an earlier batch's.
func checkEpochsInOrder(t *testing.T, commits []testutil.CheckpointEntry) {
	t.Helper()
	newest := ""
	for _, c := range commits {
		if c.Epoch == "" {
			t.Fatalf("commit of batch %d names no attempt: the checkpoint was not fenced", c.BatchTimeMs)
		}
		if c.Epoch < newest { // same application: the zero-padded attempt ids sort in order
			t.Fatalf("batch %d was committed by %s after a batch committed by %s", c.BatchTimeMs, c.Epoch, newest)
		}
		newest = c.Epoch
	}
}

// stop stops the application by its marker and checks it ends SUCCEEDED,
// so never FAILED.
func (j *hostsJob) stop() {
	j.t.Helper()
	if err := j.f.store.WriteFile(context.Background(), j.f.base+"/checkpoint/_shutdown", nil); err != nil {
		j.t.Fatal(err)
	}
	if err := j.sub.Wait(90 * time.Second); err != nil {
		j.t.Fatalf("submit after the shutdown marker: %v\n%s", err, j.sub.Output())
	}
	r := j.c.Report(j.app)
	if r.GetState() != pb.ApplicationState_APPLICATION_STATE_FINISHED || r.GetFinalStatus() != pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED {
		j.t.Fatalf("application ended %v/%v: %s", r.GetState(), r.GetFinalStatus(), r.GetDiagnostics())
	}
}

// nmOf returns the index of the NM whose node id is node.
func (j *hostsJob) nmOf(node string) int {
	j.t.Helper()
	for i := range j.c.NMs {
		if j.c.NodeID(i) == node {
			return i
		}
	}
	j.t.Fatalf("no NM has node id %s", node)
	return -1
}

// nmHost is NM i's test host.
func (j *hostsJob) nmHost(i int) *netns.Host { return j.n.Host("nm" + strconv.Itoa(i)) }

// alive reports whether process pid still runs (a zombie that has exited
// counts as gone).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
