package clustertest

import (
	"context"
	"encoding/base64"
	"fmt"
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
// the AM) off from every other host for 20 s: its node is LOST, its
// executors are replaced elsewhere, and when it comes back it registers
// again and its old containers are killed. No transaction is written
// twice.
func TestPartitionedNodeComesBack(t *testing.T) {
	j := startHostsJob(t, false)
	am := amContainer(t, j.c, j.app, 1)
	execs := waitExecutors(t, j.c, j.app, 3, 60*time.Second)
	victim := -1
	var old []testutil.NMContainer
	for i := range j.c.NMs {
		if j.c.NodeID(i) == am.NodeID {
			continue
		}
		for _, ct := range j.c.RunningContainers(j.app)[i] {
			if _, ok := execs[ct.ID]; ok {
				victim = i
				old = append(old, ct)
			}
		}
		if victim >= 0 {
			break
		}
	}
	if victim < 0 {
		t.Fatalf("no NM but the AM's runs an executor: %v", execs)
	}
	host, node := j.nmHost(victim), j.c.NodeID(victim)
	if err := host.Cut(netns.Both); err != nil {
		t.Fatal(err)
	}
	t.Logf("host %s (node %s, executors %v) cut off from every host", host.Name, node, old)
	waitNodeState(t, j.c, node, pb.NodeState_NODE_STATE_LOST, 30*time.Second)
	j.produce(2000)
	time.Sleep(20 * time.Second) // the partition lasts; nothing to poll for
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

// TestHostCrash crashes the AM's host, its NM and every container on it at
// once, and brings the NM back on it 10 s later: a new attempt runs
// elsewhere, the node comes back, and the output is exact.
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
	time.Sleep(10 * time.Second) // the host stays down; nothing to poll for
	j.c.NMs[i].Restart()
	j.c.WaitForNodes(3)
	j.produce(2000)
	j.waitCommitted(120 * time.Second)
	j.checkExact()
	j.stop()
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
