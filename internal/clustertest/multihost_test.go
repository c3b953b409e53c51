package clustertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/dfs/dfstest"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/netns"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/nodemanager"
)

// onHost fails unless addr is on host h.
func onHost(t *testing.T, what, addr string, h *netns.Host) {
	t.Helper()
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host != h.IP.String() {
		t.Fatalf("%s is %q, want an address on %s (%s)", what, addr, h.Name, h.IP)
	}
}

func waitNodeState(t *testing.T, c *testutil.Cluster, nodeID string, want pb.NodeState, within time.Duration) {
	t.Helper()
	testutil.WaitFor(t, within, func() (bool, string) {
		got := c.NodeState(nodeID)
		return got == want, fmt.Sprintf("node %s is %v, want %v", nodeID, got, want)
	})
}

// TestDaemonsOnSeparateHosts runs the RM and two NMs each on a host of its
// own: every address they advertise is their host's, an NM cut off from
// the RM is lost and comes back when healed, and an NM told to advertise
// another host's address refuses to start.
func TestDaemonsOnSeparateHosts(t *testing.T) {
	n := netns.New(t, "rm", "nm0", "nm1")
	rmHost, nm0, nm1 := n.Host("rm"), n.Host("nm0"), n.Host("nm1")
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1, Hosts: n})
	// nm1 listens on every interface and is still known by its address.
	c.AddNodeManager("yarn.nodemanager.bind-host=0.0.0.0")
	c.WaitForNodes(2)
	for what, a := range map[string]string{"client": c.RMAddr.Client, "tracker": c.RMAddr.Tracker, "web": c.RMAddr.Web, "memberlist": c.RMAddr.Memberlist} {
		onHost(t, "the RM's "+what+" address", a, rmHost)
	}
	var a0, a1 testutil.NMAddresses
	c.NMs[0].Ready(&a0)
	c.NMs[1].Ready(&a1)
	onHost(t, "nm0's node id", a0.NodeID, nm0)
	onHost(t, "nm0's memberlist address", a0.Memberlist, nm0)
	onHost(t, "nm1's node id", a1.NodeID, nm1)
	onHost(t, "nm1's web address", a1.Web, nm1)
	onHost(t, "nm1's memberlist address", a1.Memberlist, nm1)

	// nm0 cut off from the RM only: lost (by heartbeat expiry: nm1 still
	// vouches for it in the gossip); nm1 stays.
	if err := nm0.Cut(netns.Both, rmHost); err != nil {
		t.Fatal(err)
	}
	waitNodeState(t, c, a0.NodeID, pb.NodeState_NODE_STATE_LOST, 20*time.Second)
	if got := c.NodeState(a1.NodeID); got != pb.NodeState_NODE_STATE_RUNNING {
		t.Fatalf("nm1 is %v while only nm0 is cut off", got)
	}
	if err := nm0.Heal(); err != nil {
		t.Fatal(err)
	}
	waitNodeState(t, c, a0.NodeID, pb.NodeState_NODE_STATE_RUNNING, 30*time.Second)

	// An NM on nm1 listening everywhere but told to be known as nm0
	// refuses to start, naming the setting. (Without bind-host it could
	// not even listen on nm0's address.)
	args := []string{"nodemanager"}
	for _, kv := range append(c.TLS.NMConf(),
		"spindle.tmp.dir="+filepath.Join(c.Dir, "impostor"),
		"yarn.resourcemanager.resource-tracker.address="+c.RMAddr.Tracker,
		"yarn.nodemanager.hostname="+nm0.IP.String(),
		"yarn.nodemanager.bind-host=0.0.0.0",
		"yarn.nodemanager.webapp.address=0.0.0.0:0",
	) {
		args = append(args, "--conf", kv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := nm1.Command(testutil.SpindleBinary(t), args...)
	out, err := exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !strings.Contains(string(out), "yarn.nodemanager.address") ||
		!strings.Contains(string(out), "none of this machine's addresses") {
		t.Fatalf("NM with a foreign address: %v, saying:\n%s", err, out)
	}
}

// TestRetailAcrossHosts runs the retail job on a cluster of six hosts:
// the RM, three NMs, Kafka and HDFS each on its own, with the job staged
// on HDFS. Its output is exact, and once every NM is gone `spindle logs`
// reads each container's logs from HDFS, where the NMs aggregated them.
func TestRetailAcrossHosts(t *testing.T) {
	n := netns.New(t, "rm", "nm0", "nm1", "nm2", "kafka", "hdfs")
	hdfs := dfstest.StartHDFSOn(t, n.Host("hdfs"), 0)
	b := kafkatest.Start(t, map[string]int32{"transactions": 4}, kafkatest.WithHost(n.Host("kafka")))
	onHost(t, "the Kafka broker", b.Addrs()[0], n.Host("kafka"))
	remoteLogs := "yarn.nodemanager.remote-app-log-dir=" + hdfs.URL() + "/app-logs"
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 3, Hosts: n, Conf: []string{remoteLogs}})

	const total = 20_000
	var want testutil.RetailTotals
	testutil.ProduceRetail(t, b, "transactions", 4, 0, total/2, &want)
	dir := testutil.SharedDir(t)
	sub := retailJob(t, c, b, "transactions", dir,
		"--num-executors", "3",
		"--conf", "spark.yarn.stagingDir="+hdfs.URL()+"/user/spindle/staging")
	appID := sub.AppID()
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		return len(testutil.BatchCommits(t, filepath.Join(dir, "checkpoint"))) > 0, "no batch committed yet"
	})
	testutil.ProduceRetail(t, b, "transactions", 4, total/2, total-total/2, &want)
	waitCommittedUntil(t, b, "transactions", 4, dir, 120*time.Second)

	// The AM and the executors ran on the NM hosts, spread over them.
	hosts := map[string]bool{}
	nodeOf := map[string]string{} // container → node id
	for nm, cs := range c.RunningContainers(appID) {
		for _, ct := range cs {
			nodeOf[ct.ID] = c.NodeID(nm)
		}
		hosts[fmt.Sprint(nm)] = true
	}
	if len(hosts) < 2 {
		t.Errorf("executors ran on %d NM hosts, want them spread over at least 2", len(hosts))
	}

	checkRetailSink(t, dir, want, total)
	stopByMarker(t, sub, dir)

	// The logs outlive the NMs, on HDFS.
	st := dfstest.NewHDFSStore(t, hdfs.Addr(), nil)
	appLogs := "/app-logs/" + c.Report(appID).GetUser() + "/logs/" + appID
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		for id, node := range nodeOf {
			p := appLogs + "/" + nodemanager.AggregatedNodeDir(node) + "/" + id + "/spindle.log"
			if ok, err := st.Exists(context.Background(), p); !ok {
				return false, fmt.Sprintf("%s not aggregated yet (%v)", p, err)
			}
		}
		return true, ""
	})
	for _, nm := range c.NMs {
		nm.Stop()
	}
	got := parseLogsOutput(t, spindleLogs(t, c, "--conf", remoteLogs, "-applicationId", appID))
	for id := range nodeOf {
		cl, ok := got[id]
		if !ok {
			t.Errorf("spindle logs shows no container %s; it shows %v", id, keys(got))
			continue
		}
		if f := cl.files["spindle.log"]; f.aggregation != "AGGREGATED" || f.length == 0 {
			t.Errorf("container %s: spindle.log %+v, want its aggregated log", id, f)
		}
	}
}
