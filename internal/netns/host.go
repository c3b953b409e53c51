package netns

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// Host is one test host: a network namespace with one interface, eth0,
// on the Network's bridge.
type Host struct {
	// Name is the host's name in Config.Names.
	Name string
	// NS is its network namespace (ip netns).
	NS string
	// IP is its address.
	IP net.IP

	veth string // the bridge side of its link
	net  *Network

	mu    sync.Mutex
	hooks []func()
	delay *delayer
}

func (h *Host) build(bridge string) error {
	steps := [][]string{
		{"ip", "netns", "add", h.NS},
		{"ip", "link", "add", h.veth, "type", "veth", "peer", "name", "eth0", "netns", h.NS},
		{"ip", "link", "set", h.veth, "master", bridge},
		{"ip", "link", "set", h.veth, "up"},
		{"ip", "-n", h.NS, "addr", "add", h.IP.String() + "/24", "dev", "eth0"},
		{"ip", "-n", h.NS, "link", "set", "eth0", "up"},
		{"ip", "-n", h.NS, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := run(s[0], s[1:]...); err != nil {
			return err
		}
	}
	_, err := outputStdin(faultTable, "ip", "netns", "exec", h.NS, "nft", "-f", "-")
	return err
}

// Addr is host:port on the host's address.
func (h *Host) Addr(port int) string { return net.JoinHostPort(h.IP.String(), strconv.Itoa(port)) }

// Command prepares name to run in the host, as exec.Command does.
func (h *Host) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", h.NS, name}, args...)...)
}

// Run calls fn on an OS thread switched into the host's namespace: the
// sockets fn creates (listeners above all) belong to the host.
// Goroutines fn starts run elsewhere, in the test's own namespace.
func (h *Host) Run(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns: %w", err)
			return
		}
		defer orig.Close()
		target, err := os.Open("/run/netns/" + h.NS)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns: host %s: %w", h.Name, err)
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns: enter host %s: %w", h.Name, err)
			return
		}
		err = fn()
		// A thread that cannot go back stays locked and ends with this
		// goroutine, so no other goroutine runs in the wrong namespace.
		if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// Listen listens in the host, as net.Listen.
func (h *Host) Listen(network, addr string) (net.Listener, error) {
	var l net.Listener
	err := h.Run(func() (err error) {
		l, err = net.Listen(network, addr)
		return err
	})
	return l, err
}

// ListenPacket listens in the host, as net.ListenPacket.
func (h *Host) ListenPacket(network, addr string) (net.PacketConn, error) {
	var c net.PacketConn
	err := h.Run(func() (err error) {
		c, err = net.ListenPacket(network, addr)
		return err
	})
	return c, err
}

// Dial connects from the host, as net.DialTimeout.
func (h *Host) Dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	var c net.Conn
	err := h.Run(func() (err error) {
		c, err = net.DialTimeout(network, addr, timeout)
		return err
	})
	return c, err
}

// OnCrash registers fn to be called when the host crashes: an in-process
// server running in the host stops there, as its process would die.
func (h *Host) OnCrash(fn func()) {
	h.mu.Lock()
	h.hooks = append(h.hooks, fn)
	h.mu.Unlock()
}

// Crash kills every process in the host at once (SIGKILL, children and
// containers included) and runs the OnCrash hooks, as when a machine
// loses power. The host's network stays: processes started after are its
// reboot.
func (h *Host) Crash() error {
	h.mu.Lock()
	hooks := h.hooks
	h.hooks = nil
	h.mu.Unlock()
	killNamespace(h.NS, h.net.lg)
	for _, fn := range hooks {
		fn()
	}
	if left, err := h.PIDs(); err != nil || len(left) > 0 {
		return fmt.Errorf("netns: crash host %s: processes left %v (%v)", h.Name, left, err)
	}
	h.net.lg.Info("host crashed", zap.String("host", h.Name))
	return nil
}

// PIDs lists the processes in the host's namespace.
func (h *Host) PIDs() ([]int, error) { return nsPIDs(h.NS) }

// nsPIDs finds the processes whose network namespace is ns, by the
// namespace's inode.
func nsPIDs(ns string) ([]int, error) {
	var st syscall.Stat_t
	if err := syscall.Stat("/run/netns/"+ns, &st); err != nil {
		return nil, fmt.Errorf("netns: %s: %w", ns, err)
	}
	want := fmt.Sprintf("net:[%d]", st.Ino)
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if link, err := os.Readlink("/proc/" + e.Name() + "/ns/net"); err == nil && link == want {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// killNamespace SIGKILLs every process in ns until none is left (a
// process may fork while it is being killed).
func killNamespace(ns string, lg *zap.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		pids, err := nsPIDs(ns)
		if err != nil || len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		// Killed processes leave /proc once reaped; a zombie still shows
		// its namespace only until then.
		time.Sleep(10 * time.Millisecond)
		if left, _ := nsPIDs(ns); len(left) > 0 && allZombies(left) {
			return
		}
	}
	lg.Warn("processes still running in namespace", zap.String("netns", ns))
}

// allZombies reports whether every pid has exited and awaits its parent.
func allZombies(pids []int) bool {
	for _, pid := range pids {
		raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// The state follows the command name in parentheses.
		s := string(raw)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || i+2 >= len(s) || s[i+2] != 'Z' {
			return false
		}
	}
	return true
}
