package netns

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// Slots: each Network holds one, by a lock file, for its names and subnet.
const (
	lockDir  = "/run/spindle-netns"
	maxSlots = 250
	// firstHost is the last octet of host 0's address; the bridge has .1.
	firstHost = 10
	maxHosts  = 200
)

// Config says which hosts to make.
type Config struct {
	// Names are the hosts' names ("rm", "nm1", "kafka"), each a short
	// letters-and-digits word; their number is the number of hosts.
	Names []string
	// Logger receives what the harness does; nil logs nothing.
	Logger *zap.Logger
}

// Validate reports a bad or repeated name.
func (c Config) Validate() error {
	if len(c.Names) == 0 || len(c.Names) > maxHosts {
		return fmt.Errorf("netns: %d hosts: want 1 to %d", len(c.Names), maxHosts)
	}
	seen := map[string]bool{}
	for _, n := range c.Names {
		if n == "" || len(n) > 16 || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			return fmt.Errorf("netns: host name %q: want 1 to 16 lower-case letters and digits", n)
		}
		if seen[n] {
			return fmt.Errorf("netns: host name %q given twice", n)
		}
		seen[n] = true
	}
	return nil
}

// Network is a set of hosts on one bridge.
type Network struct {
	slot    int
	lock    *os.File
	bridge  string
	gateway net.IP
	hosts   []*Host
	lg      *zap.Logger

	mu     sync.Mutex
	closed bool
}

// Create makes the hosts cfg names. The caller must Close the Network,
// which also happens if Create fails part-way.
func Create(cfg Config) (*Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("netns: running as uid %d: %w", os.Geteuid(), ErrNoPermission)
	}
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	slot, lock, err := takeSlot()
	if err != nil {
		return nil, err
	}
	n := &Network{slot: slot, lock: lock, bridge: fmt.Sprintf("sp%d-br", slot), gateway: slotIP(slot, 1), lg: lg}
	sweep(slot, lg)
	if err := n.build(cfg.Names); err != nil {
		n.Close()
		return nil, err
	}
	lg.Info("test hosts created", zap.Int("slot", slot), zap.Int("hosts", len(n.hosts)), zap.String("bridge", n.bridge))
	return n, nil
}

func slotIP(slot, host int) net.IP { return net.IPv4(198, 18, byte(slot), byte(host)).To4() }

// takeSlot locks the first free slot's file.
func takeSlot() (int, *os.File, error) {
	if err := os.MkdirAll(lockDir, 0o700); err != nil {
		return 0, nil, fmt.Errorf("netns: %w: %w", err, ErrNoPermission)
	}
	for slot := range maxSlots {
		f, err := os.OpenFile(filepath.Join(lockDir, fmt.Sprintf("%d.lock", slot)), os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return 0, nil, fmt.Errorf("netns: slot lock: %w", err)
		}
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return slot, f, nil
		}
		f.Close()
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return 0, nil, fmt.Errorf("netns: lock slot %d: %w", slot, err)
		}
	}
	return 0, nil, fmt.Errorf("netns: all %d slots are taken", maxSlots)
}

// nsPrefix and linkPrefix name what slot owns.
func nsPrefix(slot int) string   { return fmt.Sprintf("spindle-%d-", slot) }
func linkPrefix(slot int) string { return fmt.Sprintf("sp%d-", slot) }

// sweep removes what an earlier holder of slot left: processes,
// namespaces and links. The slot's lock is held, so none is in use.
func sweep(slot int, lg *zap.Logger) {
	if out, err := output("ip", "netns", "list"); err == nil {
		for _, line := range strings.Split(out, "\n") {
			name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
			if strings.HasPrefix(name, nsPrefix(slot)) {
				killNamespace(name, lg)
				if err := run("ip", "netns", "del", name); err != nil {
					lg.Warn("remove leftover namespace", zap.String("netns", name), zap.Error(err))
				}
			}
		}
	}
	if out, err := output("ip", "-o", "link", "show"); err == nil {
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
			if strings.HasPrefix(name, linkPrefix(slot)) {
				if err := run("ip", "link", "del", name); err != nil {
					lg.Warn("remove leftover link", zap.String("link", name), zap.Error(err))
				}
			}
		}
	}
}

// build makes the bridge and one namespace per host.
func (n *Network) build(names []string) error {
	if err := run("ip", "link", "add", n.bridge, "type", "bridge"); err != nil {
		return err
	}
	// Bridged frames must not meet the machine's own firewall.
	_ = run("ip", "link", "set", "dev", n.bridge, "type", "bridge", "nf_call_iptables", "0")
	if err := run("ip", "addr", "add", n.gateway.String()+"/24", "dev", n.bridge); err != nil {
		return err
	}
	if err := run("ip", "link", "set", n.bridge, "up"); err != nil {
		return err
	}
	for i, name := range names {
		h := &Host{Name: name, NS: nsPrefix(n.slot) + name, IP: slotIP(n.slot, firstHost+i), veth: fmt.Sprintf("%s%d", linkPrefix(n.slot), i), net: n}
		n.hosts = append(n.hosts, h)
		if err := h.build(n.bridge); err != nil {
			return fmt.Errorf("netns: host %s: %w", name, err)
		}
	}
	return nil
}

// Hosts returns the hosts, in Config.Names' order.
func (n *Network) Hosts() []*Host { return n.hosts }

// Host returns the host called name, or nil.
func (n *Network) Host(name string) *Host {
	for _, h := range n.hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// Gateway is the address of the bridge, which is the test process's own
// address on the network: hosts reach servers the test runs outside them
// there.
func (n *Network) Gateway() net.IP { return n.gateway }

// Close kills every process in the hosts and removes the namespaces and
// the bridge. It is safe to call more than once.
func (n *Network) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.mu.Unlock()
	var errs []error
	for _, h := range n.hosts {
		h.stopDelay()
		killNamespace(h.NS, n.lg)
		if err := run("ip", "netns", "del", h.NS); err != nil && !strings.Contains(err.Error(), "No such file") {
			errs = append(errs, err)
		}
	}
	if err := run("ip", "link", "del", n.bridge); err != nil && !strings.Contains(err.Error(), "Cannot find device") {
		errs = append(errs, err)
	}
	n.lock.Close() // releases the slot
	return errors.Join(errs...)
}
