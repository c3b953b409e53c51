package ha

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/resourcemanager/failover"
	"go.uber.org/zap"
)

// Keys of Spindle's own for the group, beside YARN's in package failover.
const (
	KeyClusterID = "yarn.resourcemanager.cluster-id"
	KeyRaftDir   = "spindle.resourcemanager.ha.raft.dir"
	// ServiceRaft is the suffix of the Raft address keys:
	// spindle.resourcemanager.ha.raft.address[.<id>].
	ServiceRaft = "raft.address"
)

// raftAddressKey is the key of the Raft address of RM id ("" = the plain key).
func raftAddressKey(id string) string {
	if id == "" {
		return "spindle.resourcemanager.ha.raft.address"
	}
	return "spindle.resourcemanager.ha.raft.address." + id
}

// Peer is one RM of the group.
type Peer struct {
	ID string
	// Raft is where it replicates; Client, Tracker and Web are where it
	// serves (yarn.resourcemanager.*.address.<id>).
	Raft, Client, Tracker, Web string
}

// Config configures this RM's part of the group.
type Config struct {
	// ClusterID names the group (yarn.resourcemanager.cluster-id).
	ClusterID string
	// SelfID is this RM's id (yarn.resourcemanager.ha.id).
	SelfID string
	// Peers are every RM of the group, this one included, in the order of
	// yarn.resourcemanager.ha.rm-ids.
	Peers []Peer
	// Dir holds the Raft data (spindle.resourcemanager.ha.raft.dir).
	Dir string
	// HeartbeatTimeout is how long a standby waits without hearing from
	// the leader before it stands for election; ElectionTimeout bounds an
	// election; LeaderLeaseTimeout is how long a leader goes on without
	// hearing from a majority before it steps down (its fence).
	HeartbeatTimeout, ElectionTimeout, LeaderLeaseTimeout time.Duration
	// TLS is this RM's certificate and the cluster CA: RMs replicate only
	// over mutual TLS with peers holding a ResourceManager certificate.
	// nil replicates in plain text (spindle.tls.insecure-plaintext).
	TLS *pki.Material
	// Logger receives Raft's log.
	Logger *zap.Logger
}

// DefaultConfig returns Raft's timing for a LAN.
func DefaultConfig() Config {
	return Config{ClusterID: "yarn-cluster", HeartbeatTimeout: time.Second, ElectionTimeout: time.Second, LeaderLeaseTimeout: 500 * time.Millisecond}
}

// Self returns this RM's peer entry.
func (c Config) Self() Peer {
	for _, p := range c.Peers {
		if p.ID == c.SelfID {
			return p
		}
	}
	return Peer{}
}

// Peer returns the entry of id.
func (c Config) Peer(id string) (Peer, bool) {
	i := slices.IndexFunc(c.Peers, func(p Peer) bool { return p.ID == id })
	if i < 0 {
		return Peer{}, false
	}
	return c.Peers[i], true
}

// Validate refuses a group that cannot work, naming the key to fix.
func (c Config) Validate() error {
	ids := make([]string, len(c.Peers))
	for i, p := range c.Peers {
		ids[i] = p.ID
	}
	if err := c.checkCount(); err != nil {
		return err
	}
	switch {
	case c.ClusterID == "":
		return fmt.Errorf("ha: %s is empty: name the ResourceManager group", KeyClusterID)
	case c.Dir == "":
		return fmt.Errorf("ha: %s is empty: give each ResourceManager a directory for its Raft data", KeyRaftDir)
	case !slices.Contains(ids, c.SelfID):
		return fmt.Errorf("ha: %s = %q is none of %s = %s", failover.KeyHAID, c.SelfID, failover.KeyRMIDs, strings.Join(ids, ","))
	case c.HeartbeatTimeout <= 0 || c.ElectionTimeout <= 0 || c.LeaderLeaseTimeout <= 0 || c.LeaderLeaseTimeout > c.HeartbeatTimeout:
		return fmt.Errorf("ha: Raft timeouts heartbeat %v, election %v, lease %v: all positive, the lease no longer than the heartbeat timeout", c.HeartbeatTimeout, c.ElectionTimeout, c.LeaderLeaseTimeout)
	}
	seen := map[string]bool{}
	for _, p := range c.Peers {
		if seen[p.ID] {
			return fmt.Errorf("ha: %s lists %s twice", failover.KeyRMIDs, p.ID)
		}
		seen[p.ID] = true
	}
	return nil
}

// checkCount refuses an even number of RMs.
func (c Config) checkCount() error {
	if len(c.Peers)%2 != 0 {
		return nil
	}
	ids := make([]string, len(c.Peers))
	for i, p := range c.Peers {
		ids[i] = p.ID
	}
	return fmt.Errorf("ha: %s = %s lists %d ResourceManagers: an HA group needs an odd number (3 or 5), so that a majority is left when one fails", failover.KeyRMIDs, strings.Join(ids, ","), len(c.Peers))
}

// Enabled reports whether configuration asks for an RM group.
func Enabled(c *conf.Config) (bool, error) { return failover.HAEnabled(c) }

// ConfigFrom reads the group from configuration. isLocal reports whether
// an address host is this machine's; it picks this RM's id when
// yarn.resourcemanager.ha.id is unset, as YARN does.
func ConfigFrom(c *conf.Config, isLocal func(host string) bool) (Config, error) {
	cfg := DefaultConfig()
	cfg.ClusterID = strings.TrimSpace(c.Get(KeyClusterID))
	cfg.Dir = c.Get(KeyRaftDir)
	for _, id := range c.Strings(failover.KeyRMIDs) {
		p := Peer{ID: id}
		var err error
		for _, s := range []struct {
			service string
			into    *string
		}{{failover.ServiceClient, &p.Client}, {failover.ServiceTracker, &p.Tracker}, {failover.ServiceWeb, &p.Web}} {
			if *s.into, err = failover.IDAddress(c, s.service, id); err != nil {
				return cfg, err
			}
		}
		if p.Raft, err = raftAddress(c, id); err != nil {
			return cfg, err
		}
		cfg.Peers = append(cfg.Peers, p)
	}
	if len(cfg.Peers) == 0 {
		return cfg, fmt.Errorf("ha: %s is true but %s is empty: list the ids of the ResourceManagers, such as rm1,rm2,rm3", failover.KeyHAEnabled, failover.KeyRMIDs)
	}
	if err := cfg.checkCount(); err != nil {
		return cfg, err
	}
	cfg.SelfID = strings.TrimSpace(c.Get(failover.KeyHAID))
	if cfg.SelfID == "" {
		id, err := localID(cfg.Peers, isLocal)
		if err != nil {
			return cfg, err
		}
		cfg.SelfID = id
	}
	return cfg, cfg.Validate()
}

func raftAddress(c *conf.Config, id string) (string, error) {
	if a := strings.TrimSpace(c.Get(raftAddressKey(id))); a != "" {
		return a, nil
	}
	host := strings.TrimSpace(c.Get(failover.KeyHostname + "." + id))
	if host == "" {
		return "", fmt.Errorf("%w: RM %s of %s has neither %s nor %s: set one of them", failover.ErrNoAddress, id, failover.KeyRMIDs, raftAddressKey(id), failover.KeyHostname+"."+id)
	}
	_, port, err := net.SplitHostPort(c.Get(raftAddressKey("")))
	if err != nil {
		return "", fmt.Errorf("ha: %s = %q: %w", raftAddressKey(""), c.Get(raftAddressKey("")), err)
	}
	return net.JoinHostPort(host, port), nil
}

// ErrNoLocalID is a group none or several of whose ids have this
// machine's addresses while yarn.resourcemanager.ha.id is unset.
var ErrNoLocalID = errors.New("ha: cannot tell which ResourceManager of the group this is")

// localID is the one id whose client and Raft addresses are this
// machine's.
func localID(peers []Peer, isLocal func(string) bool) (string, error) {
	var match []string
	for _, p := range peers {
		ch, _, _ := net.SplitHostPort(p.Client)
		rh, _, _ := net.SplitHostPort(p.Raft)
		if isLocal(ch) && isLocal(rh) {
			match = append(match, p.ID)
		}
	}
	if len(match) == 1 {
		return match[0], nil
	}
	if len(match) == 0 {
		return "", fmt.Errorf("%w: %s is unset and the addresses of none of %s are this machine's: set %s", ErrNoLocalID, failover.KeyHAID, failover.KeyRMIDs, failover.KeyHAID)
	}
	return "", fmt.Errorf("%w: %s is unset and the addresses of %s are all this machine's: set %s", ErrNoLocalID, failover.KeyHAID, strings.Join(match, ", "), failover.KeyHAID)
}

// IsLocalHost reports whether host resolves to an address of one of this
// machine's interfaces.
func IsLocalHost(host string) bool {
	ips, err := net.LookupIP(host)
	if err != nil {
		return false
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		for _, ip := range ips {
			if n.IP.Equal(ip) {
				return true
			}
		}
	}
	return false
}
