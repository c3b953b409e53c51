package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/netns"
	"github.com/spindlehq/spindle/internal/testutil"
)

// hostDaemon is a spindle daemon running as a process in a test host.
type hostDaemon struct {
	name      string
	cmd       *exec.Cmd
	readyFile string
	logPath   string
	exited    chan struct{}
}

// startOnHost runs `spindle <role> --conf …` in h and, unless wantExit,
// waits for its ready file.
func startOnHost(t *testing.T, h *netns.Host, role string, confs []string) *hostDaemon {
	t.Helper()
	dir := t.TempDir()
	d := &hostDaemon{name: role + "@" + h.Name, readyFile: filepath.Join(dir, "ready.json"), logPath: filepath.Join(dir, "output.log"), exited: make(chan struct{})}
	args := []string{role, "--ready-file", d.readyFile}
	for _, kv := range confs {
		args = append(args, "--conf", kv)
	}
	out, err := os.Create(d.logPath)
	if err != nil {
		t.Fatal(err)
	}
	d.cmd = h.Command(testutil.SpindleBinary(t), args...)
	d.cmd.Stdout, d.cmd.Stderr = out, out
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", d.name, err)
	}
	go func() {
		d.cmd.Wait()
		out.Close()
		close(d.exited)
	}()
	t.Cleanup(func() {
		d.cmd.Process.Kill()
		<-d.exited
		if t.Failed() {
			raw, _ := os.ReadFile(d.logPath)
			if len(raw) > 4096 {
				raw = raw[len(raw)-4096:]
			}
			t.Logf("--- %s output ---\n%s", d.name, raw)
		}
	})
	return d
}

func (d *hostDaemon) ready(t *testing.T, v any) {
	t.Helper()
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		select {
		case <-d.exited:
			raw, _ := os.ReadFile(d.logPath)
			t.Fatalf("%s exited during start-up:\n%s", d.name, raw)
		default:
		}
		_, err := os.Stat(d.readyFile)
		return err == nil, d.name + " is not ready"
	})
	raw, err := os.ReadFile(d.readyFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s ready file: %v", d.name, err)
	}
}

// hostIs fails unless addr is on host h.
func hostIs(t *testing.T, what, addr string, h *netns.Host) {
	t.Helper()
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host != h.IP.String() {
		t.Fatalf("%s is %q, want an address on %s (%s)", what, addr, h.Name, h.IP)
	}
}

// TestDaemonsOnSeparateHosts runs the RM and two NMs each on a host of its
// own: every address they advertise is their host's, an NM cut off from
// the RM is lost and comes back when healed, and an NM told to advertise
// another host's address refuses to start.
func TestDaemonsOnSeparateHosts(t *testing.T) {
	n := netns.New(t, "rm", "nm1", "nm2")
	rmHost, nm1, nm2 := n.Host("rm"), n.Host("nm1"), n.Host("nm2")
	dir := t.TempDir()
	common := []string{
		"spindle.cluster.secret-file=" + filepath.Join(dir, "cluster-secret"),
		"yarn.resourcemanager.hostname=" + rmHost.IP.String(),
		"yarn.resourcemanager.nodemanagers.heartbeat-interval-ms=100",
		"spindle.memberlist.probe-interval=200ms",
		"spindle.memberlist.probe-timeout=100ms",
	}
	rm := startOnHost(t, rmHost, "resourcemanager", append(common, "spindle.tmp.dir="+filepath.Join(dir, "rm")))
	var rmAddr testutil.RMAddresses
	rm.ready(t, &rmAddr)
	for what, a := range map[string]string{"client": rmAddr.Client, "tracker": rmAddr.Tracker, "web": rmAddr.Web, "memberlist": rmAddr.Memberlist} {
		hostIs(t, "the RM's "+what+" address", a, rmHost)
	}

	nmConf := func(h *netns.Host, extra ...string) []string {
		return append(append(append([]string{}, common...),
			"spindle.tmp.dir="+filepath.Join(dir, h.Name),
			"yarn.nodemanager.hostname="+h.IP.String(),
			"yarn.nodemanager.resource.memory-mb=2g",
			"yarn.nodemanager.resource.cpu-vcores=2"), extra...)
	}
	var a1, a2 testutil.NMAddresses
	startOnHost(t, nm1, "nodemanager", nmConf(nm1)).ready(t, &a1)
	// nm2 listens on every interface and is still known by its address.
	startOnHost(t, nm2, "nodemanager", nmConf(nm2, "yarn.nodemanager.bind-host=0.0.0.0")).ready(t, &a2)
	hostIs(t, "nm1's node id", a1.NodeID, nm1)
	hostIs(t, "nm1's memberlist address", a1.Memberlist, nm1)
	hostIs(t, "nm2's node id", a2.NodeID, nm2)
	hostIs(t, "nm2's memberlist address", a2.Memberlist, nm2)

	client := pb.NewApplicationClientClient(testutil.Dial(t, rmAddr.Client))
	state := func(nodeID string) pb.NodeState {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		resp, err := client.GetClusterNodes(ctx, &pb.GetClusterNodesRequest{States: []pb.NodeState{
			pb.NodeState_NODE_STATE_RUNNING, pb.NodeState_NODE_STATE_LOST, pb.NodeState_NODE_STATE_UNHEALTHY}})
		if err != nil {
			return pb.NodeState_NODE_STATE_UNSPECIFIED
		}
		for _, nr := range resp.GetNodes() {
			if nr.GetNodeId() == nodeID {
				return nr.GetState()
			}
		}
		return pb.NodeState_NODE_STATE_UNSPECIFIED
	}
	waitState := func(nodeID string, want pb.NodeState, within time.Duration) {
		t.Helper()
		testutil.WaitFor(t, within, func() (bool, string) {
			got := state(nodeID)
			return got == want, fmt.Sprintf("node %s is %v, want %v", nodeID, got, want)
		})
	}
	waitState(a1.NodeID, pb.NodeState_NODE_STATE_RUNNING, 20*time.Second)
	waitState(a2.NodeID, pb.NodeState_NODE_STATE_RUNNING, 20*time.Second)

	// nm1 cut off from the RM only: lost; nm2 stays.
	if err := nm1.Cut(netns.Both, rmHost); err != nil {
		t.Fatal(err)
	}
	waitState(a1.NodeID, pb.NodeState_NODE_STATE_LOST, 20*time.Second)
	if got := state(a2.NodeID); got != pb.NodeState_NODE_STATE_RUNNING {
		t.Fatalf("nm2 is %v while only nm1 is cut off", got)
	}
	if err := nm1.Heal(); err != nil {
		t.Fatal(err)
	}
	waitState(a1.NodeID, pb.NodeState_NODE_STATE_RUNNING, 30*time.Second)

	// An NM on nm2 listening everywhere but told to be known as nm1
	// refuses to start, naming the setting. (Without bind-host it could
	// not even listen on nm1's address.)
	bad := startOnHost(t, nm2, "nodemanager", append(nmConf(nm2), "yarn.nodemanager.hostname="+nm1.IP.String(),
		"yarn.nodemanager.bind-host=0.0.0.0", "yarn.nodemanager.webapp.address=0.0.0.0:8043",
		"spindle.tmp.dir="+filepath.Join(dir, "bad")))
	select {
	case <-bad.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("an NM advertising another host's address kept running")
	}
	raw, _ := os.ReadFile(bad.logPath)
	if bad.cmd.ProcessState.ExitCode() == 0 || !strings.Contains(string(raw), "yarn.nodemanager.address") ||
		!strings.Contains(string(raw), "none of this machine's addresses") {
		t.Fatalf("NM with a foreign address exited %d saying:\n%s", bad.cmd.ProcessState.ExitCode(), raw)
	}
}
