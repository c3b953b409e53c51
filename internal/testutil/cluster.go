package testutil

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/internal/netns"
	"google.golang.org/grpc"
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
	// Plaintext runs the cluster without TLS
	// (spindle.tls.insecure-plaintext), as benchmarks compare.
	Plaintext bool
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
	tb  testing.TB
	Dir string
	// TLS is the cluster's CA and certificates.
	TLS    *ClusterTLS
	RM     *Daemon
	RMAddr RMAddresses
	NMs    []*Daemon
	common []string
	cfg    ClusterConfig
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
	// The cluster's dir holds the daemons' files, out of containers' reach
	// (each guards its own: keys 0600, the state store 0700), and client/,
	// where checkpoints and sinks go by default and containers write.
	dir := SharedDir(tb)
	if err := os.Chmod(dir, 0o711); err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "client"), 0o755); err != nil {
		tb.Fatal(err)
	}
	openUp(tb, filepath.Join(dir, "client"))
	c := &Cluster{tb: tb, Dir: dir, cfg: cfg}
	c.TLS = NewClusterTLS(tb, filepath.Join(dir, "tls"), c.hostIPs()...)
	if cfg.Plaintext {
		c.TLS.Plaintext, c.TLS.ClientTLS = true, nil
	}
	timings := fastTimings
	if cfg.ShippedTimings {
		timings = ShippedTimingChanges
	}
	c.common = append([]string{}, timings...)
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
	for _, kv := range append(append(c.TLS.RMConf(), c.common...),
		"spindle.tmp.dir="+filepath.Join(dir, "rm"),
		"yarn.resourcemanager.address="+ip+":0",
		"yarn.resourcemanager.resource-tracker.address="+ip+":0",
		"yarn.resourcemanager.webapp.address="+ip+":0",
		"spindle.memberlist.bind-address="+ip+":0") {
		rmArgs = append(rmArgs, "--conf", kv)
	}
	c.RM = StartDaemonOn(tb, host, "resourcemanager", rmArgs...)
	c.RM.Ready(&c.RMAddr)
	c.registerDaemon(c.RM)
	c.RM.onReady = c.registerDaemon
}

// AddNodeManager starts one more NM and returns it.
func (c *Cluster) AddNodeManager(extraConf ...string) *Daemon {
	c.tb.Helper()
	i := len(c.NMs)
	args := []string{"nodemanager"}
	host, ip := c.host("nm" + strconv.Itoa(i))
	for _, kv := range append(append(append(c.TLS.NMConf(), c.common...),
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
	c.registerDaemon(d)
	d.onReady = c.registerDaemon
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

// hostIPs are the addresses of the cluster's test hosts, which its daemons'
// certificates must name.
func (c *Cluster) hostIPs() []net.IP {
	if c.cfg.Hosts == nil {
		return nil
	}
	var ips []net.IP
	for _, h := range c.cfg.Hosts.Hosts() {
		ips = append(ips, h.IP)
	}
	return ips
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

// ConfArgs are --conf flags that point a client command at this cluster,
// as its default user.
func (c *Cluster) ConfArgs() []string {
	return c.ConfArgsAs(c.TLS.ClientConf())
}

// ConfArgsAs are ConfArgs with the TLS keys tlsConf (ClusterTLS.UserConf)
// instead of the default user's.
func (c *Cluster) ConfArgsAs(tlsConf []string) []string {
	args := []string{"--conf", "spindle.tmp.dir=" + filepath.Join(c.Dir, "client")}
	for _, kv := range append(c.rmClientConf(), tlsConf...) {
		args = append(args, "--conf", kv)
	}
	return args
}

// rmClientConf points a client at the RM, or at every RM of the group.
func (c *Cluster) rmClientConf() []string {
	if c.group != nil {
		return c.group.conf
	}
	return []string{"yarn.resourcemanager.address=" + c.RMAddr.Client}
}

// trackerConf points an NM at the RM, or at every RM of the group.
func (c *Cluster) trackerConf() string {
	if c.group != nil {
		return "yarn.resourcemanager.ha.enabled=true" // the group's keys are in c.common
	}
	return "yarn.resourcemanager.resource-tracker.address=" + c.RMAddr.Tracker
}

// ClientConfDir writes a conf dir that points spindle's client commands at
// c as its default user, as spindle dev's does: yarn-site.xml names the RM,
// spindle-site.xml sets spindle.tmp.dir to tmpDir under c.Dir, where
// staging, default checkpoints and output go, and the user's TLS keys.
// Give it as SPINDLE_CONF_DIR or --conf-dir.
func (c *Cluster) ClientConfDir() (confDir, tmpDir string) {
	c.tb.Helper()
	confDir, tmpDir = filepath.Join(c.Dir, "client-conf"), filepath.Join(c.Dir, "client")
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		c.tb.Fatal(err)
	}
	if err := conf.WriteSiteFile(filepath.Join(confDir, "yarn-site.xml"), "", c.rmClientConf()); err != nil {
		c.tb.Fatal(err)
	}
	if err := conf.WriteSiteFile(filepath.Join(confDir, "spindle-site.xml"), "", append([]string{"spindle.tmp.dir=" + tmpDir}, c.TLS.ClientConf()...)); err != nil {
		c.tb.Fatal(err)
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

// Dial opens a gRPC connection to an address of a test cluster, as its
// default user; it is closed at the end of the test.
func Dial(tb testing.TB, addr string) *grpc.ClientConn {
	tb.Helper()
	conn, err := grpc.NewClient(addr, DialOption(tb, addr))
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

// nmHTTPTimeout bounds reads of NMs' REST endpoints.
const nmHTTPTimeout = 3 * time.Second

// NMContainers lists the containers NM i knows, from its REST endpoint
// (none when it does not answer).
func (c *Cluster) NMContainers(i int) []NMContainer {
	c.tb.Helper()
	var a NMAddresses
	c.NMs[i].Ready(&a)
	// Bounded: an NM on a test host that is cut off never answers.
	client := *HTTPClient(c.tb, a.Web)
	client.Timeout = nmHTTPTimeout
	resp, err := client.Get(URL(a.Web, "/ws/v1/node/containers"))
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

// registerDaemon makes the harness reach d's addresses with this cluster's
// certificates.
func (c *Cluster) registerDaemon(d *Daemon) {
	var a struct {
		Client  string `json:"client"`
		NodeID  string `json:"nodeId"`
		Webapp  string `json:"webapp"`
		Tracker string `json:"resourceTracker"`
	}
	d.Ready(&a)
	for _, addr := range []string{a.Client, a.NodeID, a.Webapp} {
		if addr != "" {
			registerAddr(addr, c.TLS.ClientTLS)
		}
	}
	if a.Tracker != "" && c.TLS.ClientTLS != nil {
		// Tests that speak for a node of their own do it with the NMs'
		// certificate, which is valid for the test hosts' nodes.
		registerAddr(a.Tracker, c.TLS.material(c.tb, c.TLS.NM))
	} else if a.Tracker != "" {
		registerAddr(a.Tracker, nil)
	}
}
