package clustertest

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/netns"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/token"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// TestPartitionedAMHostIsFenced cuts the host of the retail job's AM off
// from the RM only: it still reaches Kafka, HDFS and its executors. The
// RM loses the node and starts a new attempt elsewhere, which claims the
// checkpoint and the sink; the old attempt, a zombie, cannot commit from
// then on (no commit of it follows one of the new attempt), cannot end the
// application, and exits within spindle.am.rmUnreachableTimeout. The
// output is exact.
func TestPartitionedAMHostIsFenced(t *testing.T) {
	j := startHostsJob(t, true)
	am1 := amContainer(t, j.c, j.app, 1)
	host := j.nmHost(j.nmOf(am1.NodeID))
	tok := attemptToken(t, int(am1.PID))
	cut := time.Now()
	if err := host.Cut(netns.Both, j.n.Host("rm")); err != nil {
		t.Fatal(err)
	}
	t.Logf("host %s (AM %s, pid %d) cut off from the RM", host.Name, am1.ID, am1.PID)
	j.produce(2000) // while the zombie still runs

	am2 := amContainer(t, j.c, j.app, 2)
	if am2.NodeID == am1.NodeID {
		t.Fatalf("attempt 2's AM runs on the partitioned node %s", am2.NodeID)
	}
	// The zombie may not end the application the new attempt runs.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	actx, err := token.WithAttempt(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pb.NewApplicationMasterClient(testutil.Dial(t, j.c.RMAddr.Client)).FinishApplicationMaster(actx,
		&pb.FinishApplicationMasterRequest{FinalStatus: pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_FAILED, Diagnostics: "zombie"})
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("FinishApplicationMaster with attempt 1's token: %v, want FailedPrecondition", err)
	}
	switch st := j.c.Report(j.app).GetState(); st {
	case pb.ApplicationState_APPLICATION_STATE_ACCEPTED, pb.ApplicationState_APPLICATION_STATE_RUNNING:
	default:
		t.Fatalf("application %v after the zombie's finish call", st)
	}

	j.produce(2000)
	j.waitCommitted(120 * time.Second)
	// The zombie gives up on the RM, 20 s after it last heard from it.
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		return !alive(int(am1.PID)), fmt.Sprintf("the zombie AM (pid %d) still runs %v after the cut", am1.PID, time.Since(cut).Round(time.Second))
	})
	log := amLog(t, j.c, j.app, 1)
	fenced := strings.Contains(log, "fenced off by a newer attempt")
	if !fenced && !strings.Contains(log, "resourcemanager unreachable; exiting") {
		t.Fatalf("the zombie AM's log shows neither a fenced write nor its exit for the unreachable RM:\n%s", log)
	}
	t.Logf("zombie AM exited %v after the cut; a write of it was fenced: %v", time.Since(cut).Round(time.Second), fenced)
	j.checkExact()
	if err := host.Heal(); err != nil {
		t.Fatal(err)
	}
	j.c.WaitForNodes(3)
	j.stop()
}

// attemptToken reads the attempt token from the environment of the AM
// process pid, as a process on its host could.
func attemptToken(t *testing.T, pid int) *pb.Token {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range strings.Split(string(raw), "\x00") {
		if v, ok := strings.CutPrefix(kv, launch.EnvAttemptToken+"="); ok {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				t.Fatal(err)
			}
			tok := &pb.Token{}
			if err := proto.Unmarshal(b, tok); err != nil {
				t.Fatal(err)
			}
			return tok
		}
	}
	t.Fatalf("AM pid %d has no %s", pid, launch.EnvAttemptToken)
	return nil
}

// TestPartitionedNodeComesBack cuts an NM host that runs executors (not
// the AM) off from every other host: its node is LOST, its executors are
// replaced elsewhere and batches go on without it, and when it comes back
// it registers again and its old containers are killed. No transaction is
// written twice.
func TestPartitionedNodeComesBack(t *testing.T) {
	j := startHostsJob(t, false)
	victim, old := j.isolateExecutorHost(false)
	host, node := j.nmHost(victim), j.c.NodeID(victim)
	if err := host.Heal(); err != nil {
		t.Fatal(err)
	}
	waitNodeState(t, j.c, node, pb.NodeState_NODE_STATE_RUNNING, 60*time.Second)
	// Its old executors are killed: the NM stops them at the RM's word.
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		for _, ct := range old {
			if alive(int(ct.PID)) {
				return false, fmt.Sprintf("executor %s (pid %d) of the lost node still runs", ct.ID, ct.PID)
			}
		}
		return true, ""
	})
	j.produce(2000)
	j.waitCommitted(120 * time.Second)
	j.checkExact()
	j.stop()
}

// isolateExecutorHost cuts the host of an NM that runs executors of the
// job but not its AM off from every host, and then, when crash, kills
// every process on it; it waits until the node is LOST and checks that
// batches go on without it: every transaction produced next is committed
// while it is away. It returns the NM and its executors.
func (j *hostsJob) isolateExecutorHost(crash bool) (int, []testutil.NMContainer) {
	j.t.Helper()
	victim, old := j.executorHost()
	host, node := j.nmHost(victim), j.c.NodeID(victim)
	if err := host.Cut(netns.Both); err != nil {
		j.t.Fatal(err)
	}
	what := "cut off from every host"
	if crash {
		if err := host.Crash(); err != nil {
			j.t.Fatal(err)
		}
		what = "powered off"
		j.halfOpen = establishedTo(j.t, int(amContainer(j.t, j.c, j.app, 1).PID), host.IP)
	}
	away := time.Now()
	j.t.Logf("host %s (node %s, executors %v) %s; the AM's host holds %d connections to it", host.Name, node, old, what, j.halfOpen)
	waitNodeState(j.t, j.c, node, pb.NodeState_NODE_STATE_LOST, 30*time.Second)
	j.produce(2000)
	j.waitCommitted(120 * time.Second)
	j.t.Logf("every transaction committed %v after host %s went away, while it is away", time.Since(away).Round(time.Second), host.Name)
	return victim, old
}

// executorHost returns an NM that runs executors of the job but not its
// AM, and those executors.
func (j *hostsJob) executorHost() (int, []testutil.NMContainer) {
	j.t.Helper()
	am := amContainer(j.t, j.c, j.app, 1)
	execs := waitExecutors(j.t, j.c, j.app, 3, 60*time.Second)
	for i := range j.c.NMs {
		if j.c.NodeID(i) == am.NodeID {
			continue
		}
		var on []testutil.NMContainer
		for _, ct := range j.c.RunningContainers(j.app)[i] {
			if _, ok := execs[ct.ID]; ok {
				on = append(on, ct)
			}
		}
		if len(on) > 0 {
			return i, on
		}
	}
	j.t.Fatalf("no NM but the AM's runs an executor: %v", execs)
	return -1, nil
}

// TestHostPowerOff cuts a host that runs executors (not the AM) off from
// every host and then kills every process on it, as a power cut does:
// nothing the host would say on the way down (a FIN, a RST) gets out, so
// the driver, the RM and Kafka are left holding half-open connections to
// it. Batches must complete again while the host is still down (nobody
// waits for an answer from it), and when it comes back with its NM the
// output is exact.
func TestHostPowerOff(t *testing.T) {
	j := startHostsJob(t, false)
	victim, _ := j.isolateExecutorHost(true)
	if j.halfOpen == 0 {
		t.Fatalf("the AM's host holds no established connection to host %s after its power cut: nothing was left half-open", j.nmHost(victim).Name)
	}
	if err := j.nmHost(victim).Heal(); err != nil {
		t.Fatal(err)
	}
	j.bootAndFinish(victim)
}

// bootAndFinish starts NM i again on its host, as its host's boot does,
// waits for every node, then checks that what is produced next is
// committed, that the output is exact, and that the job stops SUCCEEDED.
func (j *hostsJob) bootAndFinish(i int) {
	j.t.Helper()
	j.c.NMs[i].Restart()
	j.c.WaitForNodes(3)
	j.produce(2000)
	j.waitCommitted(120 * time.Second)
	j.checkExact()
	j.stop()
}

// TestHostCrash crashes the AM's host, its NM and every container on it at
// once: a new attempt runs elsewhere and commits every transaction while
// the host is down; the NM comes back on it, and the output is exact.
func TestHostCrash(t *testing.T) {
	j := startHostsJob(t, false)
	am := amContainer(t, j.c, j.app, 1)
	i := j.nmOf(am.NodeID)
	host := j.nmHost(i)
	if err := host.Crash(); err != nil {
		t.Fatal(err)
	}
	t.Logf("host %s crashed with its NM and AM %s", host.Name, am.ID)
	waitNodeState(t, j.c, am.NodeID, pb.NodeState_NODE_STATE_LOST, 30*time.Second)
	j.produce(2000)
	amContainer(t, j.c, j.app, 2)
	// The new attempt commits every transaction while the host is down.
	j.waitCommitted(120 * time.Second)
	j.bootAndFinish(i)
}

// TestKafkaPaused cuts the Kafka host off from every host for 30 s, as a
// broker that stops answering: batches stop, and once it answers again
// every transaction, those produced before and after, is in the output
// exactly once.
func TestKafkaPaused(t *testing.T) {
	pausedHost(t, startHostsJob(t, false), "kafka")
}

// TestHDFSPaused cuts the HDFS host, which holds the checkpoint and the
// sink, off from every host for 30 s: batches stop, and once it answers
// again the output is exact.
func TestHDFSPaused(t *testing.T) {
	pausedHost(t, startHostsJob(t, true), "hdfs")
}

// pausedHost produces, cuts host name off from every host for 30 s,
// produces again once it answers, and checks the output.
func pausedHost(t *testing.T, j *hostsJob, name string) {
	h := j.n.Host(name)
	j.produce(2000)
	if err := h.Cut(netns.Both); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Second) // the pause lasts; nothing to poll for
	if err := h.Heal(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s answered again after 30 s: application %s", name, j.state())
	j.produce(2000)
	j.waitCommitted(180 * time.Second)
	j.checkExact()
	j.stop()
}

// establishedTo counts the TCP connections in the network namespace of
// process pid that are ESTABLISHED with a peer at ip, as the kernel lists
// them in /proc/<pid>/net/tcp: those that a peer which vanished without a
// word leaves half-open.
func establishedTo(t *testing.T, pid int, ip net.IP) int {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/tcp", pid))
	if err != nil {
		t.Fatal(err)
	}
	v4 := ip.To4()
	if v4 == nil {
		t.Fatalf("%s is not an IPv4 address", ip)
	}
	// The kernel prints an IPv4 address as one little-endian word in hex.
	want := fmt.Sprintf("%02X%02X%02X%02X:", v4[3], v4[2], v4[1], v4[0])
	n := 0
	for _, line := range strings.Split(string(raw), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 3 && strings.HasPrefix(f[2], want) && f[3] == "01" {
			n++
		}
	}
	return n
}
