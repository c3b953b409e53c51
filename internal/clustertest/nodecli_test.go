package clustertest

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
)

// TestNodeListCommand runs `spindle node -list` against a cluster, before
// and after one NM is lost.
func TestNodeListCommand(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(testutil.SpindleBinary(t), append(append([]string{"node"}, args...), c.ConfArgs()...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("spindle node %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	out := run("-list")
	if !strings.HasPrefix(out, "Total Nodes:2\n") || !regexp.MustCompile(`Node-Id\s+Node-State\s+Node-Http-Address\s+Number-of-Running-Containers`).MatchString(out) {
		t.Fatalf("unexpected header:\n%s", out)
	}
	for i := 0; i < 2; i++ {
		if !regexp.MustCompile(regexp.QuoteMeta(c.NodeID(i)) + `\s+RUNNING\s+\S+\s+0\n`).MatchString(out) {
			t.Fatalf("node %s not listed RUNNING:\n%s", c.NodeID(i), out)
		}
	}
	lost := c.NodeID(0)
	c.NMs[0].Kill()
	testutil.WaitFor(t, 5*time.Second, func() (bool, string) {
		return c.NodeState(lost) == pb.NodeState_NODE_STATE_LOST, "node not LOST yet"
	})
	if out := run("-list"); !strings.HasPrefix(out, "Total Nodes:1\n") || strings.Contains(out, lost) {
		t.Fatalf("-list after the loss still shows %s:\n%s", lost, out)
	}
	if out := run("-list", "-states", "LOST"); !strings.HasPrefix(out, "Total Nodes:1\n") || !strings.Contains(out, lost) {
		t.Fatalf("-states LOST does not show %s:\n%s", lost, out)
	}
	if out := run("-list", "-all"); !strings.HasPrefix(out, "Total Nodes:2\n") {
		t.Fatalf("-all does not show both nodes:\n%s", out)
	}
	cmd := exec.Command(testutil.SpindleBinary(t), append([]string{"node", "-list", "-states", "BROKEN"}, c.ConfArgs()...)...)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), `"BROKEN" is not a node state`) {
		t.Fatalf("bad -states: err %v, output:\n%s", err, out)
	}
}
