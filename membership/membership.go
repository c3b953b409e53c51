package membership

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"time"

	"github.com/hashicorp/memberlist"
	"go.uber.org/zap"
)

// Config configures one member of the gossip cluster.
type Config struct {
	// Name is the member's unique name: an NM's node id, or "resourcemanager".
	Name string
	// BindAddress is host:port to listen on (UDP and TCP); port 0 = OS-chosen.
	BindAddress string
	// AdvertiseAddress is IP:port other members reach this one at (port 0:
	// the bound port); empty = the bind address, or a private address of
	// the host when bound to 0.0.0.0. Daemons fill it with Derive.
	AdvertiseAddress string
	// ProbeInterval is how often a random member is probed.
	ProbeInterval time.Duration
	// ProbeTimeout is how long to wait for a probe's ack.
	ProbeTimeout time.Duration
	// SuspicionMult scales how long a suspect member has to refute before it
	// is declared dead (× ProbeInterval × log10 of the cluster size).
	SuspicionMult int
	// OnDead is called with a member's name when it is declared dead or leaves.
	OnDead func(name string)
	// OnAlive is called with a member's name when it joins or comes back.
	OnAlive func(name string)
	// SecretKey, when set, encrypts and authenticates all gossip
	// (AES-GCM; 16, 24 or 32 bytes); nil gossips in clear
	// (spindle.tls.insecure-plaintext).
	SecretKey []byte
	// Logger receives memberlist's own messages at debug level.
	Logger *zap.Logger
}

// DefaultConfig returns Spindle's defaults: detection within a few seconds.
func DefaultConfig() Config {
	return Config{
		BindAddress:   "0.0.0.0:0",
		ProbeInterval: 300 * time.Millisecond,
		ProbeTimeout:  200 * time.Millisecond,
		SuspicionMult: 3,
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.Name == "" {
		return errors.New("membership: Name is empty")
	}
	if _, _, err := net.SplitHostPort(c.BindAddress); err != nil {
		return fmt.Errorf("membership: bind address %q: %w", c.BindAddress, err)
	}
	if c.ProbeInterval <= 0 || c.ProbeTimeout <= 0 || c.SuspicionMult <= 0 {
		return fmt.Errorf("membership: probe interval %v, probe timeout %v and suspicion multiplier %d must be positive", c.ProbeInterval, c.ProbeTimeout, c.SuspicionMult)
	}
	return nil
}

// Derive fills an empty BindAddress with bindHost and a port the OS
// chooses, and an empty AdvertiseAddress with advertise (an IP of this
// machine) and the bound port: the daemon's own addresses.
func (c Config) Derive(bindHost string, advertise net.IP) Config {
	if c.BindAddress == "" {
		c.BindAddress = net.JoinHostPort(bindHost, "0")
	}
	if c.AdvertiseAddress == "" && advertise != nil {
		c.AdvertiseAddress = net.JoinHostPort(advertise.String(), "0")
	}
	return c
}

// Member is a running member of the gossip cluster.
type Member struct {
	list *memberlist.Memberlist
	// ring holds the gossip keys; nil when gossip is in clear.
	ring *memberlist.Keyring
}

// Start binds and starts gossiping; call Join to meet other members.
func Start(cfg Config) (*Member, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	host, portStr, _ := net.SplitHostPort(cfg.BindAddress)
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("membership: bind port %q: %w", portStr, err)
	}
	mc := memberlist.DefaultLANConfig()
	mc.Name = cfg.Name
	mc.BindAddr = host
	mc.BindPort = port
	mc.AdvertisePort = port
	if cfg.AdvertiseAddress != "" {
		ah, ap, err := net.SplitHostPort(cfg.AdvertiseAddress)
		if err != nil {
			return nil, fmt.Errorf("membership: advertise address %q: %w", cfg.AdvertiseAddress, err)
		}
		mc.AdvertiseAddr = ah
		if mc.AdvertisePort, err = strconv.Atoi(ap); err != nil {
			return nil, fmt.Errorf("membership: advertise port %q: %w", ap, err)
		}
		if mc.AdvertisePort == 0 {
			mc.AdvertisePort = port // memberlist sets it to the port it binds
		}
	}
	mc.ProbeInterval = cfg.ProbeInterval
	mc.ProbeTimeout = cfg.ProbeTimeout
	mc.SuspicionMult = cfg.SuspicionMult
	mc.GossipInterval = cfg.ProbeInterval / 2
	mc.PushPullInterval = 10 * cfg.ProbeInterval
	mc.Events = events{onDead: cfg.OnDead, onAlive: cfg.OnAlive}
	if cfg.SecretKey != nil {
		if err := encrypt(mc, cfg.SecretKey); err != nil {
			return nil, err
		}
	}
	mc.LogOutput = io.Discard
	if cfg.Logger != nil {
		mc.Logger = log.New(zapWriter{cfg.Logger}, "", 0)
		mc.LogOutput = nil
	}
	list, err := memberlist.Create(mc)
	if err != nil {
		return nil, fmt.Errorf("membership: start %s on %s: %w", cfg.Name, cfg.BindAddress, err)
	}
	return &Member{list: list, ring: mc.Keyring}, nil
}

// Address returns the host:port other members reach this one at.
func (m *Member) Address() string {
	n := m.list.LocalNode()
	return net.JoinHostPort(n.Addr.String(), strconv.Itoa(int(n.Port)))
}

// Join contacts seeds until one answers or ctx ends.
func (m *Member) Join(ctx context.Context, seeds []string) error {
	if len(seeds) == 0 {
		return nil
	}
	var lastErr error
	for {
		if _, err := m.list.Join(seeds); err == nil {
			return nil
		} else {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("membership: join %v: %w (last error: %v)", seeds, ctx.Err(), lastErr)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Name is the member's name in the gossip cluster.
func (m *Member) Name() string { return m.list.LocalNode().Name }

// Alive reports whether the named member is alive in this member's view.
func (m *Member) Alive(name string) bool {
	for _, n := range m.list.Members() {
		if n.Name == name {
			return true
		}
	}
	return false
}

// Leave tells the others this member is going, then stops it.
func (m *Member) Leave(timeout time.Duration) error {
	err := m.list.Leave(timeout)
	if serr := m.list.Shutdown(); err == nil {
		err = serr
	}
	return err
}

// Shutdown stops the member without telling the others.
func (m *Member) Shutdown() error { return m.list.Shutdown() }

type events struct {
	onDead, onAlive func(string)
}

func (e events) NotifyJoin(n *memberlist.Node) {
	if e.onAlive != nil {
		e.onAlive(n.Name)
	}
}

func (e events) NotifyLeave(n *memberlist.Node) {
	if e.onDead != nil {
		e.onDead(n.Name)
	}
}

func (e events) NotifyUpdate(*memberlist.Node) {}

// zapWriter turns memberlist's log lines into debug entries.
type zapWriter struct{ lg *zap.Logger }

func (w zapWriter) Write(p []byte) (int, error) {
	w.lg.Debug("memberlist", zap.ByteString("line", p))
	return len(p), nil
}
