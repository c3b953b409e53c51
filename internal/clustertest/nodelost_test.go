package clustertest

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
)

// TestKilledNodeManagerIsLost SIGKILLs an NM that runs a container: within
// 5 s the RM marks it LOST and its container completes as lost (-100), and
// the container's process is gone too.
func TestKilledNodeManagerIsLost(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	victim := c.NodeID(0)
	// One container per node: ask until one lands on the victim.
	got := am.AllocateUntil(&pb.ResourceRequest{Priority: 1, Capability: &pb.Resource{MemoryMb: 256, Vcores: 1}, NumContainers: 1, Nodes: []string{victim}}, 1, 5*time.Second)
	if len(got) != 1 || got[0].GetNodeId() != victim {
		t.Fatalf("allocation on %s: got %v", victim, got)
	}
	ct := got[0]
	am.Launch(ct, []string{"sleep", "600"}, nil)
	pid := int(am.Status(ct).GetPid())
	if pid == 0 {
		t.Fatal("NM reported no pid for a running container")
	}

	killed := time.Now()
	c.NMs[0].Kill()
	testutil.WaitFor(t, 5*time.Second, func() (bool, string) {
		st := c.NodeState(victim)
		return st == pb.NodeState_NODE_STATE_LOST, fmt.Sprintf("node %s is %v", victim, st)
	})
	st := am.WaitCompleted(ct.GetId(), 5*time.Second-time.Since(killed))
	t.Logf("node LOST and container completed %v after SIGKILL", time.Since(killed))
	if st.GetExitStatus() != -100 || !strings.Contains(st.GetDiagnostics(), "lost") {
		t.Fatalf("container completed with %d %q, want -100 and a lost-node diagnostic", st.GetExitStatus(), st.GetDiagnostics())
	}
	testutil.WaitFor(t, 5*time.Second, func() (bool, string) {
		err := syscall.Kill(pid, 0)
		return err == syscall.ESRCH, fmt.Sprintf("container process %d still exists after its NM died", pid)
	})
	// The other node is untouched.
	if st := c.NodeState(c.NodeID(1)); st != pb.NodeState_NODE_STATE_RUNNING {
		t.Fatalf("surviving node is %v, want RUNNING", st)
	}
}

// TestRestartedNodeManagerRejoins restarts a killed NM on the same address:
// it registers again, is RUNNING, and runs containers.
func TestRestartedNodeManagerRejoins(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	node := c.NodeID(1)
	c.NMs[1].Kill()
	testutil.WaitFor(t, 5*time.Second, func() (bool, string) {
		st := c.NodeState(node)
		return st == pb.NodeState_NODE_STATE_LOST, fmt.Sprintf("node %s is %v", node, st)
	})
	c.NMs[1].Restart("--conf", "yarn.nodemanager.address="+node)
	if got := c.NodeID(1); got != node {
		t.Fatalf("restarted NM has node id %s, want %s", got, node)
	}
	c.WaitForNodes(2)
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	got := am.AllocateUntil(&pb.ResourceRequest{Priority: 1, Capability: &pb.Resource{MemoryMb: 256, Vcores: 1}, NumContainers: 1, Nodes: []string{node}}, 1, 5*time.Second)
	if len(got) != 1 {
		t.Fatalf("no container allocated on the rejoined node %s", node)
	}
	am.Launch(got[0], []string{"sleep", "60"}, nil)
	if st := am.Status(got[0]); st.GetState() != pb.ContainerState_CONTAINER_STATE_RUNNING {
		t.Fatalf("container on the rejoined node is %v, want RUNNING", st.GetState())
	}
	// It stays RUNNING: memberlist takes it back under its old name rather
	// than reporting the old incarnation dead again.
	testutil.Consistently(t, 3*time.Second, func() (bool, string) {
		st := c.NodeState(node)
		return st == pb.NodeState_NODE_STATE_RUNNING, fmt.Sprintf("rejoined node %s is %v", node, st)
	})
}
