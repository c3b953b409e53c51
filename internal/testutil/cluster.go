package testutil

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/netns"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// ClusterConfig shapes a test cluster.
type ClusterConfig struct {
	// NodeManagers is the number of NMs (default 2).
	NodeManagers int
	// NMMemory is each NM's yarn.nodemanager.resource.memory-mb (default "4g").
	NMMemory string
	// NMVCores is each NM's yarn.nodemanager.resource.cpu-vcores (default 4).
	NMVCores int
	// Conf are extra KEY=VALUE overrides for every daemon.
	Conf []string
	// ShippedTimings keeps the shipped heartbeat, monitor and gossip
	// intervals instead of the fast ones tests use, for benchmarks that
	// must measure what users get (ShippedTimingChanges says what still
	// differs).
	ShippedTimings bool
	// Hosts, when set, places the RM on its host "rm" and NM i on its
	// host "nm<i>", each daemon listening on its host's address.
	Hosts *netns.Network
	// RMs, when above 1, runs an HA group of that many RMs (rm1, rm2, …),
	// on hosts "rm1", "rm2", … with Hosts.
	RMs int
}

// ShippedTimingChanges are the only settings a cluster with
// ShippedTimings changes from the shipped defaults: addresses, so that
// clusters can share the machine, and the log level.
var ShippedTimingChanges = []string{
	"spindle.log.level=info",
}

// RMAddresses are what the RM's ready file holds.
type RMAddresses struct {
	Client     string `json:"client"`
	Tracker    string `json:"resourceTracker"`
	Web        string `json:"webapp"`
	Memberlist string `json:"memberlist"`
}

// NMAddresses are what an NM's ready file holds.
type NMAddresses struct {
	NodeID     string `json:"nodeId"`
	Web        string `json:"webapp"`
	Memberlist string `json:"memberlist"`
}

// Cluster is an RM and NMs, each its own spindle process on 127.0.0.1.
type Cluster struct {
	tb         testing.TB
	Dir        string
	SecretFile string
	RM         *Daemon
	RMAddr     RMAddresses
	NMs        []*Daemon
	common     []string
	cfg        ClusterConfig
	// group is the HA group, when ClusterConfig.RMs > 1.
	group *RMGroup
}

// fastTimings make failure detection and heartbeats quick enough for tests;
// node expiry stays at its default so that detection by memberlist is what
// is measured.
var fastTimings = []string{
	"yarn.resourcemanager.nodemanagers.heartbeat-interval-ms=100",
	"yarn.nodemanager.container-monitor.interval-ms=100",
	"spindle.memberlist.probe-interval=200ms",
	"spindle.memberlist.probe-timeout=100ms",
	"spindle.log.level=debug",
}

// StartCluster starts an RM and cfg.NodeManagers NMs and waits until every
// NM is RUNNING in the RM.
func StartCluster(tb testing.TB, cfg ClusterConfig) *Cluster {
	tb.Helper()
	if cfg.NodeManagers == 0 {
		cfg.NodeManagers = 2
	}
	if cfg.NMMemory == "" {
		cfg.NMMemory = "4g"
	}
	if cfg.NMVCores == 0 {
		cfg.NMVCores = 4
	}
	dir := tb.TempDir()
	c := &Cluster{tb: tb, Dir: dir, SecretFile: filepath.Join(dir, "cluster-secret"), cfg: cfg}
	timings := fastTimings
	if cfg.ShippedTimings {
		timings = ShippedTimingChanges
	}
	c.common = append([]string{"spindle.cluster.secret-file=" + c.SecretFile}, timings...)
	c.common = append(c.common, cfg.Conf...)
	if cfg.RMs > 1 {
		c.startRMGroup()
	} else {
		c.startRM()
	}
	for i := 0; i < cfg.NodeManagers; i++ {
		c.AddNodeManager()
	}
	c.WaitForNodes(cfg.NodeManagers)
	return c
}

// startRM starts the single RM.
func (c *Cluster) startRM() {
	tb, dir := c.tb, c.Dir
	rmArgs := []string{"resourcemanager"}
	host, ip := c.host("rm")
	for _, kv := range append(c.common,
		"spindle.tmp.dir="+filepath.Join(dir, "rm"),
		"yarn.resourcemanager.address="+ip+":0",
		"yarn.resourcemanager.resource-tracker.address="+ip+":0",
		"yarn.resourcemanager.webapp.address="+ip+":0",
		"spindle.memberlist.bind-address="+ip+":0") {
		rmArgs = append(rmArgs, "--conf", kv)
	}
	c.RM = StartDaemonOn(tb, host, "resourcemanager", rmArgs...)
	c.RM.Ready(&c.RMAddr)
}

// AddNodeManager starts one more NM and returns it.
func (c *Cluster) AddNodeManager(extraConf ...string) *Daemon {
	c.tb.Helper()
	i := len(c.NMs)
	args := []string{"nodemanager"}
	host, ip := c.host("nm" + strconv.Itoa(i))
	for _, kv := range append(append(c.common,
		"spindle.tmp.dir="+filepath.Join(c.Dir, "nm"+strconv.Itoa(i)),
		c.trackerConf(),
		"yarn.nodemanager.address="+ip+":0",
		"yarn.nodemanager.webapp.address="+ip+":0",
		"spindle.memberlist.bind-address="+ip+":0",
		"yarn.nodemanager.resource.memory-mb="+c.cfg.NMMemory,
		"yarn.nodemanager.resource.cpu-vcores="+strconv.Itoa(c.cfg.NMVCores)), extraConf...) {
		args = append(args, "--conf", kv)
	}
	d := StartDaemonOn(c.tb, host, "nodemanager-"+strconv.Itoa(i), args...)
	c.NMs = append(c.NMs, d)
	return d
}

// host returns the test host called name and its address, or nil and
// 127.0.0.1 without Hosts.
func (c *Cluster) host(name string) (*netns.Host, string) {
	if c.cfg.Hosts == nil {
		return nil, "127.0.0.1"
	}
	h := c.cfg.Hosts.Host(name)
	if h == nil {
		c.tb.Fatalf("test cluster: no host %q for its daemon", name)
	}
	return h, h.IP.String()
}

// RestartRM SIGKILLs the RM and starts it again on the same addresses,
// with extraConf (KEY=VALUE) added, and waits for every NM to be RUNNING
// in it again.
func (c *Cluster) RestartRM(extraConf ...string) {
	c.tb.Helper()
	c.RM.Kill()
	args := []string{"--conf", "yarn.resourcemanager.address=" + c.RMAddr.Client,
		"--conf", "yarn.resourcemanager.resource-tracker.address=" + c.RMAddr.Tracker,
		"--conf", "yarn.resourcemanager.webapp.address=" + c.RMAddr.Web}
	for _, kv := range extraConf {
		args = append(args, "--conf", kv)
	}
	c.RM.Restart(args...)
	c.WaitForNodes(len(c.NMs))
}

// NodeID returns the node id of NM i, from its ready file.
func (c *Cluster) NodeID(i int) string {
	var a NMAddresses
	c.NMs[i].Ready(&a)
	return a.NodeID
}

// ConfArgs are --conf flags that point a client command at this cluster.
func (c *Cluster) ConfArgs() []string {
	args := []string{"--conf", "spindle.tmp.dir=" + filepath.Join(c.Dir, "client")}
	if c.group != nil {
		for _, kv := range c.group.conf {
			args = append(args, "--conf", kv)
		}
		return args
	}
	return append(args, "--conf", "yarn.resourcemanager.address="+c.RMAddr.Client)
}

// trackerConf points an NM at the RM, or at every RM of the group.
func (c *Cluster) trackerConf() string {
	if c.group != nil {
		return "spindle.cluster.secret-file=" + c.SecretFile // the group's keys are in c.common
	}
	return "yarn.resourcemanager.resource-tracker.address=" + c.RMAddr.Tracker
}

// ClientConfDir writes a conf dir that points spindle's client commands at
// c, as spindle dev's does: yarn-site.xml names the RM, spindle-site.xml
// sets spindle.tmp.dir to tmpDir under c.Dir, where staging, default
// checkpoints and output go. Give it as SPINDLE_CONF_DIR or --conf-dir.
func (c *Cluster) ClientConfDir() (confDir, tmpDir string) {
	c.tb.Helper()
	confDir, tmpDir = filepath.Join(c.Dir, "client-conf"), filepath.Join(c.Dir, "client")
	site := func(key, value string) []byte {
		return []byte("<?xml version=\"1.0\"?>\n<configuration>\n  <property>\n    <name>" + key + "</name>\n    <value>" + value + "</value>\n  </property>\n</configuration>\n")
	}
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		c.tb.Fatal(err)
	}
	for name, body := range map[string][]byte{
		"yarn-site.xml":    site("yarn.resourcemanager.address", c.RMAddr.Client),
		"spindle-site.xml": site("spindle.tmp.dir", tmpDir),
	} {
		if err := os.WriteFile(filepath.Join(confDir, name), body, 0o644); err != nil {
			c.tb.Fatal(err)
		}
	}
	return confDir, tmpDir
}

// Client dials the RM's ApplicationClient service.
func (c *Cluster) Client() pb.ApplicationClientClient {
	if c.group != nil {
		return pb.NewApplicationClientClient(c.group.conn)
	}
	return pb.NewApplicationClientClient(Dial(c.tb, c.RMAddr.Client))
}

// Nodes returns the RM's reports of nodes in any state.
func (c *Cluster) Nodes() []*pb.NodeReport {
	c.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var all []pb.NodeState
	for v := range pb.NodeState_name {
		if v != 0 {
			all = append(all, pb.NodeState(v))
		}
	}
	resp, err := c.Client().GetClusterNodes(ctx, &pb.GetClusterNodesRequest{States: all})
	if err != nil {
		c.tb.Fatalf("GetClusterNodes: %v", err)
	}
	return resp.GetNodes()
}

// NodeState returns the RM's state for nodeID, or UNSPECIFIED if unknown.
func (c *Cluster) NodeState(nodeID string) pb.NodeState {
	for _, n := range c.Nodes() {
		if n.GetNodeId() == nodeID {
			return n.GetState()
		}
	}
	return pb.NodeState_NODE_STATE_UNSPECIFIED
}

// WaitForNodes waits until n nodes are RUNNING.
func (c *Cluster) WaitForNodes(n int) {
	c.tb.Helper()
	WaitFor(c.tb, 20*time.Second, func() (bool, string) {
		running := 0
		for _, nr := range c.Nodes() {
			if nr.GetState() == pb.NodeState_NODE_STATE_RUNNING {
				running++
			}
		}
		return running == n, fmt.Sprintf("%d of %d nodes RUNNING", running, n)
	})
}

// Dial opens a gRPC connection closed at the end of the test.
func Dial(tb testing.TB, addr string) *grpc.ClientConn {
	tb.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		tb.Fatalf("dial %s: %v", addr, err)
	}
	tb.Cleanup(func() { conn.Close() })
	return conn
}

// ContainerStdout reads a container's stdout file on NM i ("" if absent).
func (c *Cluster) ContainerStdout(i int, appID, containerID string) string {
	raw, _ := os.ReadFile(filepath.Join(c.Dir, "nm"+strconv.Itoa(i), "nm-logs", appID, containerID, "stdout"))
	return string(raw)
}

// NMContainer is one container as an NM's /ws/v1/node/containers lists it.
type NMContainer struct {
	ID       string `json:"id"`
	State    string `json:"state"`
	ExitCode int32  `json:"exitCode"`
	NodeID   string `json:"nodeId"`
	PID      int32  `json:"pid"`
}

// nmHTTP reads NMs' REST endpoints.
var nmHTTP = &http.Client{Timeout: 3 * time.Second}

// NMContainers lists the containers NM i knows, from its REST endpoint
// (none when it does not answer).
func (c *Cluster) NMContainers(i int) []NMContainer {
	c.tb.Helper()
	var a NMAddresses
	c.NMs[i].Ready(&a)
	// Bounded: an NM on a test host that is cut off never answers.
	resp, err := nmHTTP.Get("http://" + a.Web + "/ws/v1/node/containers")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var body struct {
		Containers struct {
			Container []NMContainer `json:"container"`
		} `json:"containers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		c.tb.Fatalf("NM %d containers: %v", i, err)
	}
	return body.Containers.Container
}

// RunningContainers lists the RUNNING containers of appID on every live NM,
// keyed by NM index.
func (c *Cluster) RunningContainers(appID string) map[int][]NMContainer {
	out := map[int][]NMContainer{}
	suffix := strings.TrimPrefix(appID, "application_")
	for i := range c.NMs {
		for _, ct := range c.NMContainers(i) {
			if ct.State == "RUNNING" && strings.HasPrefix(ct.ID, "container_"+suffix+"_") {
				out[i] = append(out[i], ct)
			}
		}
	}
	return out
}
