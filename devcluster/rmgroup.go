package devcluster

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/spindlehq/spindle/resourcemanager/failover"
	"go.uber.org/zap"
)

// RMPortStep separates the fixed ports of the RMs of a dev group: RM i
// (from 0) serves on YARN's ports plus i*RMPortStep, and replicates on
// RMRaftPort plus i*RMPortStep.
const (
	RMPortStep = 100
	RMRaftPort = 8034
)

// RMInfo is one RM of a dev cluster's HA group.
type RMInfo struct {
	ID string
	resourcemanager.Addresses
	PID int
}

// rmGroup is the dev cluster's HA group, when Config.RMs > 1.
type rmGroup struct {
	ids     []string
	daemons []*daemon
	addrs   []resourcemanager.Addresses
	// joined are the first RM's addresses with every RM's client address
	// (spindle://h1:p1,h2:p2 reaches the group).
	joined resourcemanager.Addresses
	// conf are the group's keys, for every daemon and the client conf dir.
	conf [][2]string
}

// groupPorts are the fixed ports of a group of n RMs.
func groupPorts(n int) []int {
	var ports []int
	for i := range n {
		ports = append(ports, RMClientPort+i*RMPortStep, RMTrackerPort+i*RMPortStep, RMWebPort+i*RMPortStep, RMRaftPort+i*RMPortStep)
	}
	return ports
}

// startRMGroup starts Config.RMs RMs as an HA group on 127.0.0.1.
func (c *Cluster) startRMGroup(ctx context.Context) error {
	g := &rmGroup{}
	var clients []string
	for i := range c.cfg.RMs {
		id := "rm" + strconv.Itoa(i+1)
		var a resourcemanager.Addresses
		var raft string
		if c.cfg.RandomPorts {
			a.Client, a.Tracker, a.Web, raft = freeAddr(), freeAddr(), freeAddr(), freeAddr()
		} else {
			at := func(p int) string { return "127.0.0.1:" + strconv.Itoa(p+i*RMPortStep) }
			a.Client, a.Tracker, a.Web, raft = at(RMClientPort), at(RMTrackerPort), at(RMWebPort), at(RMRaftPort)
		}
		g.ids, g.addrs = append(g.ids, id), append(g.addrs, a)
		clients = append(clients, a.Client)
		g.conf = append(g.conf,
			[2]string{failover.AddressKey(failover.ServiceClient, id), a.Client},
			[2]string{failover.AddressKey(failover.ServiceTracker, id), a.Tracker},
			[2]string{failover.AddressKey(failover.ServiceWeb, id), a.Web},
			[2]string{"spindle.resourcemanager.ha.raft.address." + id, raft})
	}
	g.conf = append(g.conf, [2]string{failover.KeyHAEnabled, "true"}, [2]string{failover.KeyRMIDs, strings.Join(g.ids, ",")})
	c.group = g
	for i, id := range g.ids {
		dir := filepath.Join(c.dir, id)
		// Each RM's addresses are fixed above, the same across restarts.
		d := &daemon{
			name: "resourcemanager-" + id, role: "resourcemanager", dir: dir,
			conf:  append(append(c.groupConf(), c.tls.RMConf()...), "spindle.tmp.dir="+dir, failover.KeyHAID+"="+id),
			ready: func() any { return &resourcemanager.Addresses{} },
		}
		if err := c.sup.start(ctx, d); err != nil {
			return err
		}
		g.daemons = append(g.daemons, d)
		d.mu.Lock()
		g.addrs[i].Memberlist = d.addrs.(*resourcemanager.Addresses).Memberlist
		d.mu.Unlock()
		c.lg.Info("resourcemanager started", zap.String("rmId", id), zap.Int("pid", d.PID()), zap.String("client", g.addrs[i].Client))
	}
	c.rm = g.daemons[0]
	g.joined = resourcemanager.Addresses{Client: strings.Join(clients, ","), Tracker: g.addrs[0].Tracker, Web: g.addrs[0].Web, Memberlist: g.addrs[0].Memberlist}
	return nil
}

// groupConf are the group's keys as KEY=VALUE.
func (c *Cluster) groupConf() []string {
	var out []string
	for _, kv := range c.group.conf {
		out = append(out, kv[0]+"="+kv[1])
	}
	return out
}

// rmConf points an NM at the RM, or at every RM of the group.
func (c *Cluster) rmConf() []string {
	if c.group != nil {
		return c.groupConf()
	}
	return []string{"yarn.resourcemanager.resource-tracker.address=" + c.RMAddresses().Tracker}
}

// rmDaemons are every RM daemon.
func (c *Cluster) rmDaemons() []*daemon {
	if c.group != nil {
		return c.group.daemons
	}
	if c.rm != nil {
		return []*daemon{c.rm}
	}
	return nil
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0"
	}
	defer l.Close()
	return l.Addr().String()
}

// rmInfos describes the group's RMs.
func (c *Cluster) rmInfos() []RMInfo {
	if c.group == nil {
		return nil
	}
	var out []RMInfo
	for i, id := range c.group.ids {
		out = append(out, RMInfo{ID: id, Addresses: c.group.addrs[i], PID: c.group.daemons[i].PID()})
	}
	return out
}

// errEvenRMs refuses a group that could not survive a failure.
func checkRMs(n int) error {
	if n < 1 || (n > 1 && n%2 == 0) {
		return fmt.Errorf("devcluster: %d ResourceManagers: run 1, or an odd number (3 or 5) for an HA group", n)
	}
	return nil
}

// groupSite is the client configuration of an HA group, as KEY=VALUE.
func groupSite(rms []RMInfo) []string {
	var ids []string
	out := []string{failover.KeyHAEnabled + "=true"}
	for _, r := range rms {
		ids = append(ids, r.ID)
		out = append(out,
			failover.AddressKey(failover.ServiceClient, r.ID)+"="+r.Client,
			failover.AddressKey(failover.ServiceWeb, r.ID)+"="+r.Web)
	}
	return append(out, failover.KeyRMIDs+"="+strings.Join(ids, ","))
}
