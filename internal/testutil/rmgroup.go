package testutil

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/resourcemanager/failover"
)

// RMGroup is the HA group of RMs of a test cluster.
type RMGroup struct {
	tb testing.TB
	// IDs are the RMs' ids, rm1, rm2, …; RMs and Addrs are in that order.
	IDs   []string
	RMs   []*Daemon
	Addrs []RMAddresses
	conf  []string
	conn  *failover.Conn
}

// Group is the cluster's RM group; nil for a single RM.
func (c *Cluster) Group() *RMGroup { return c.group }

// startRMGroup starts ClusterConfig.RMs RMs as a group, each on its host
// "rm<i>" with Hosts (fixed ports there) or on 127.0.0.1 with free ports,
// and waits for one to be active.
func (c *Cluster) startRMGroup() {
	tb := c.tb
	g := &RMGroup{tb: tb}
	g.conf = []string{"yarn.resourcemanager.ha.enabled=true"}
	var clients, trackers []failover.Target
	for i := range c.cfg.RMs {
		id := "rm" + strconv.Itoa(i+1)
		_, ip := c.host(id)
		a := RMAddresses{Client: ip + ":8032", Tracker: ip + ":8031", Web: ip + ":8088"}
		raft := ip + ":8034"
		if c.cfg.Hosts == nil {
			a = RMAddresses{Client: FreeAddr(tb), Tracker: FreeAddr(tb), Web: FreeAddr(tb)}
			raft = FreeAddr(tb)
		}
		g.IDs, g.Addrs = append(g.IDs, id), append(g.Addrs, a)
		g.conf = append(g.conf,
			"yarn.resourcemanager.address."+id+"="+a.Client,
			"yarn.resourcemanager.resource-tracker.address."+id+"="+a.Tracker,
			"yarn.resourcemanager.webapp.address."+id+"="+a.Web,
			"spindle.resourcemanager.ha.raft.address."+id+"="+raft)
		clients = append(clients, failover.Target{ID: id, Addr: a.Client})
		trackers = append(trackers, failover.Target{ID: id, Addr: a.Tracker})
	}
	g.conf = append(g.conf, "yarn.resourcemanager.ha.rm-ids="+strings.Join(g.IDs, ","))
	c.common = append(c.common, g.conf...)
	for _, id := range g.IDs {
		host, ip := c.host(id)
		args := []string{"resourcemanager"}
		for _, kv := range append(append(c.TLS.RMConf(), c.common...),
			"spindle.tmp.dir="+filepath.Join(c.Dir, id),
			"yarn.resourcemanager.ha.id="+id,
			"spindle.memberlist.bind-address="+ip+":0") {
			args = append(args, "--conf", kv)
		}
		d := StartDaemonOn(tb, host, "resourcemanager-"+id, args...)
		c.registerDaemon(d)
		d.onReady = c.registerDaemon
		g.RMs = append(g.RMs, d)
	}
	conn, err := failover.Dial(clients, failover.DefaultPolicy(), pki.GRPCDialOption(c.TLS.ClientTLS))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	g.conn = conn
	c.group = g
	c.RM = g.RMs[0]
	c.RMAddr = RMAddresses{Client: failover.Encode(clients), Tracker: failover.Encode(trackers), Web: g.Addrs[0].Web}
	g.WaitActive(30 * time.Second)
}

// FreeAddr returns a loopback address with a port nothing listens on now.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// State asks RM i for its HA state; UNSPECIFIED when it does not answer.
func (g *RMGroup) State(i int) pb.HAServiceState {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	st, err := pb.NewResourceManagerAdministrationClient(Dial(g.tb, g.Addrs[i].Client)).GetServiceStatus(ctx, &pb.GetServiceStatusRequest{})
	if err != nil {
		return pb.HAServiceState_HA_SERVICE_STATE_UNSPECIFIED
	}
	return st.GetState()
}

// Active returns the index of the active RM, -1 when none is.
func (g *RMGroup) Active() int {
	for i := range g.RMs {
		if g.State(i) == pb.HAServiceState_HA_SERVICE_STATE_ACTIVE {
			return i
		}
	}
	return -1
}

// WaitActive waits for an active RM and returns its index.
func (g *RMGroup) WaitActive(within time.Duration) int {
	g.tb.Helper()
	active := -1
	WaitFor(g.tb, within, func() (bool, string) {
		active = g.Active()
		return active >= 0, "no RM of the group is active"
	})
	return active
}

// RMAdmin runs `spindle rmadmin args…` against the cluster and returns
// its output.
func (c *Cluster) RMAdmin(args ...string) (string, error) {
	c.tb.Helper()
	return c.RMAdminAs(c.TLS.ClientConf(), args...)
}

// RMAdminAs is RMAdmin as the user of the TLS keys tlsConf
// (ClusterTLS.UserConf).
func (c *Cluster) RMAdminAs(tlsConf []string, args ...string) (string, error) {
	c.tb.Helper()
	full := append(append([]string{"rmadmin"}, c.ConfArgsAs(tlsConf)...), args...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, SpindleBinary(c.tb), full...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("spindle rmadmin %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

// Master is the --master of spindle submit for the cluster: its RM, or
// every RM of its group.
func (c *Cluster) Master() string {
	if c.group == nil {
		return "spindle://" + c.RMAddr.Client
	}
	var addrs []string
	for _, a := range c.group.Addrs {
		addrs = append(addrs, a.Client)
	}
	return "spindle://" + strings.Join(addrs, ",")
}
