package netns

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
)

const (
	// blocked is how long a dial or read waits before a cut counts as
	// holding; a healthy local round trip takes well under a millisecond.
	blocked = 400 * time.Millisecond
	// healed bounds how long a connection may take once a fault is undone.
	healed = 10 * time.Second
)

// echoServer serves line echo on a TCP listener in h and returns its
// address.
func echoServer(t *testing.T, h *Host) string {
	t.Helper()
	l, err := h.Listen("tcp", h.Addr(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return l.Addr().String()
}

// roundTrip writes a line on c and reads it back.
func roundTrip(c net.Conn) error {
	c.SetDeadline(time.Now().Add(blocked))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, "ping\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "ping\n" {
		return fmt.Errorf("echo %q", line)
	}
	return nil
}

// reach dials addr from h and does one round trip.
func reach(h *Host, addr string) error {
	c, err := h.Dial("tcp", addr, blocked)
	if err != nil {
		return err
	}
	defer c.Close()
	return roundTrip(c)
}

func mustReach(t *testing.T, h *Host, addr string) {
	t.Helper()
	waitFor(t, healed, fmt.Sprintf("%s reaches %s", h.Name, addr), func() bool { return reach(h, addr) == nil })
}

func mustNotReach(t *testing.T, h *Host, addr string) {
	t.Helper()
	if err := reach(h, addr); err == nil {
		t.Fatalf("%s reaches %s through a fault", h.Name, addr)
	}
}

func TestHostsReachEachOther(t *testing.T) {
	n := New(t, "a", "b", "c")
	a, b, c := n.Host("a"), n.Host("b"), n.Host("c")
	if a.IP.Equal(b.IP) || !strings.HasPrefix(a.IP.String(), "198.18.") {
		t.Fatalf("addresses %v and %v: want distinct addresses in 198.18.0.0/15", a.IP, b.IP)
	}
	addr := echoServer(t, a)
	if !strings.HasPrefix(addr, a.IP.String()+":") {
		t.Fatalf("listener in a is on %s, want a's address %s", addr, a.IP)
	}
	mustReach(t, b, addr)
	mustReach(t, c, addr)
	// The test process reaches hosts through the bridge.
	conn, err := net.DialTimeout("tcp", addr, blocked)
	if err != nil {
		t.Fatalf("test process dials %s: %v", addr, err)
	}
	defer conn.Close()
	if err := roundTrip(conn); err != nil {
		t.Fatal(err)
	}
	// A process started in a host reaches it too.
	out, err := helper(b, "echo-client", "NETNS_TEST_ADDR="+addr).CombinedOutput()
	if err != nil {
		t.Fatalf("echo client in b: %v: %s", err, out)
	}
	// A host's own loopback is its own: 127.0.0.1 in b is not the test's.
	if l, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		defer l.Close()
		if err := reach(b, l.Addr().String()); err == nil {
			t.Error("b reaches the test process's loopback")
		}
	}
}

func TestCutBlocksAndHealRestores(t *testing.T) {
	n := New(t, "a", "b", "c")
	a, b, c := n.Host("a"), n.Host("b"), n.Host("c")
	addrA, addrB := echoServer(t, a), echoServer(t, b)
	mustReach(t, b, addrA)

	// An open connection across the cut goes half-open: nothing arrives.
	open, err := b.Dial("tcp", addrA, blocked)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()

	if err := b.Cut(Both); err != nil {
		t.Fatal(err)
	}
	mustNotReach(t, b, addrA)
	mustNotReach(t, c, addrB)
	if err := roundTrip(open); err == nil {
		t.Fatal("an open connection still carries data across a cut")
	}
	mustReach(t, c, addrA) // the others still talk
	if err := b.Heal(); err != nil {
		t.Fatal(err)
	}
	mustReach(t, b, addrA)
	mustReach(t, c, addrB)

	// Cut from one peer only.
	if err := b.Cut(Both, a); err != nil {
		t.Fatal(err)
	}
	mustNotReach(t, b, addrA)
	mustNotReach(t, a, addrB)
	mustReach(t, c, addrB)
	if err := b.Heal(); err != nil {
		t.Fatal(err)
	}
	mustReach(t, a, addrB)
}

// TestCutOneWay uses UDP, which needs no answer, to see each direction.
func TestCutOneWay(t *testing.T) {
	n := New(t, "a", "b")
	a, b := n.Host("a"), n.Host("b")
	pa, err := a.ListenPacket("udp", a.Addr(0))
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Close()
	pb, err := b.ListenPacket("udp", b.Addr(0))
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Close()
	arrives := func(from, to net.PacketConn) bool {
		if _, err := from.WriteTo([]byte("x"), to.LocalAddr()); err != nil {
			return false
		}
		to.SetReadDeadline(time.Now().Add(blocked))
		_, _, err := to.ReadFrom(make([]byte, 16))
		return err == nil
	}
	for _, tc := range []struct {
		dir        Direction
		bToA, aToB bool
	}{
		{Outbound, false, true},
		{Inbound, true, false},
		{Both, false, false},
	} {
		if err := b.Cut(tc.dir); err != nil {
			t.Fatal(err)
		}
		if got := arrives(pb, pa); got != tc.bToA {
			t.Errorf("cut %v: b→a arrives %v, want %v", tc.dir, got, tc.bToA)
		}
		if got := arrives(pa, pb); got != tc.aToB {
			t.Errorf("cut %v: a→b arrives %v, want %v", tc.dir, got, tc.aToB)
		}
		if err := b.Heal(); err != nil {
			t.Fatal(err)
		}
		if !arrives(pb, pa) || !arrives(pa, pb) {
			t.Fatalf("after healing a %v cut, datagrams do not pass both ways", tc.dir)
		}
	}
}

func TestLinkDownAndLoss(t *testing.T) {
	n := New(t, "a", "b")
	a, b := n.Host("a"), n.Host("b")
	addr := echoServer(t, a)
	mustReach(t, b, addr)
	if err := b.LinkDown(); err != nil {
		t.Fatal(err)
	}
	mustNotReach(t, b, addr)
	if err := b.LinkUp(); err != nil {
		t.Fatal(err)
	}
	mustReach(t, b, addr)

	if err := b.Loss(100); err != nil {
		t.Fatal(err)
	}
	mustNotReach(t, b, addr)
	if err := b.Loss(0); err != nil {
		t.Fatal(err)
	}
	mustReach(t, b, addr)
	if err := b.Loss(101); err == nil {
		t.Error("Loss(101) accepted")
	}
}

func TestDelay(t *testing.T) {
	n := New(t, "a", "b")
	a, b := n.Host("a"), n.Host("b")
	addr := echoServer(t, a)
	conn, err := b.Dial("tcp", addr, blocked)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rtt := func() time.Duration {
		t.Helper()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		start := time.Now()
		if _, err := io.WriteString(conn, "x\n"); err != nil {
			t.Fatal(err)
		}
		if _, err := bufio.NewReader(conn).ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	const d = 300 * time.Millisecond
	if err := b.Delay(d); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if got := rtt(); got < d {
			t.Fatalf("round trip %d took %v with a %v delay", i, got, d)
		}
	}
	if err := b.Delay(0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, healed, "round trips without the delay", func() bool { return rtt() < d })
}

func TestCrashKillsEveryProcess(t *testing.T) {
	n := New(t, "a", "b")
	a, b := n.Host("a"), n.Host("b")
	var procs []*exec.Cmd
	for range 2 {
		cmd := helper(b, "forker")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, cmd)
	}
	// Two helpers and their two children.
	waitFor(t, 10*time.Second, "4 processes in b", func() bool {
		pids, err := b.PIDs()
		return err == nil && len(pids) == 4
	})
	outside, err := a.PIDs()
	if err != nil || len(outside) != 0 {
		t.Fatalf("a has processes %v (%v) before anything started there", outside, err)
	}
	// An in-process server in b stops with the host.
	addr := echoServer(t, b)
	l, err := b.Listen("tcp", b.Addr(0))
	if err != nil {
		t.Fatal(err)
	}
	var hooked atomic.Bool
	b.OnCrash(func() { hooked.Store(true); l.Close() })
	mustReach(t, a, addr)

	if err := b.Crash(); err != nil {
		t.Fatal(err)
	}
	if pids, err := b.PIDs(); err != nil || len(pids) != 0 {
		t.Fatalf("b has processes %v (%v) after a crash", pids, err)
	}
	for _, cmd := range procs {
		err := cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Errorf("helper ended with %v, want SIGKILL", err)
		}
	}
	if !hooked.Load() {
		t.Error("crash hook not run")
	}
	if _, err := a.Dial("tcp", l.Addr().String(), blocked); err == nil {
		t.Error("the crashed host's in-process listener still accepts")
	}
}

// TestSweepRemovesLeftovers plays a run that died without cleaning up: its
// namespace and link in a slot are removed when the slot is taken.
func TestSweepRemovesLeftovers(t *testing.T) {
	slot, lock, err := takeSlot()
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	ns, link := nsPrefix(slot)+"left", linkPrefix(slot)+"left"
	if err := run("ip", "netns", "add", ns); err != nil {
		t.Fatal(err)
	}
	if err := run("ip", "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", ns); err != nil {
		t.Fatal(err)
	}
	sleeper := exec.Command("ip", "netns", "exec", ns, "sleep", "600")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	sweep(slot, zap.NewNop())
	sleeper.Wait()
	if _, err := os.Stat("/run/netns/" + ns); !os.IsNotExist(err) {
		t.Errorf("leftover namespace %s still there: %v", ns, err)
	}
	if err := run("ip", "link", "show", link); err == nil {
		t.Errorf("leftover link %s still there", link)
	}
}

// TestRefusesWithoutRoot runs Create as nobody: it must say what it needs.
func TestRefusesWithoutRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatalf("the netns tests need root (uid %d): %v", os.Geteuid(), ErrNoPermission)
	}
	// A copy of the test binary that nobody may run.
	dir, err := os.MkdirTemp("", "netns-unprivileged-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	exe := dir + "/netns.test"
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=unprivileged")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	if !strings.Contains(string(out), "need root") {
		t.Fatalf("Create as nobody said %q, want a message that it needs root", out)
	}
}

// waitFor polls cond until it holds or timeout passes. (The package
// cannot use internal/testutil, which may build on it.)
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
