package bindaddr

import (
	"errors"
	"net"
	"os"
	"testing"

	"github.com/spindlehq/spindle/internal/netns"
)

func TestBindAddress(t *testing.T) {
	for _, tc := range []struct{ address, bindHost, want string }{
		{"rm1.example.com:8032", "0.0.0.0", "0.0.0.0:8032"},
		{"127.0.0.1:0", "", "127.0.0.1:0"},
		{"[fd00::2]:8031", "::", "[::]:8031"},
	} {
		if got, err := BindAddress(tc.address, tc.bindHost); err != nil || got != tc.want {
			t.Errorf("BindAddress(%q, %q) = %q, %v; want %q", tc.address, tc.bindHost, got, err, tc.want)
		}
	}
	if _, err := BindAddress("no-port", ""); err == nil {
		t.Error("BindAddress accepted an address without a port")
	}
}

func TestAdvertised(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	tcp := func(s string) net.Addr {
		a, err := net.ResolveTCPAddr("tcp", s)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, tc := range []struct {
		address string
		bound   net.Addr
		want    string
	}{
		{"0.0.0.0:0", tcp("0.0.0.0:4321"), net.JoinHostPort(host, "4321")},
		{"rm1.example.com:8032", tcp("[::]:8032"), "rm1.example.com:8032"},
		{"127.0.0.1:0", tcp("127.0.0.1:555"), "127.0.0.1:555"},
		{"0.0.0.0:0", tcp("198.18.0.10:7"), "198.18.0.10:7"},
	} {
		if got := Advertised(tc.address, tc.bound); got != tc.want {
			t.Errorf("Advertised(%q, %v) = %q, want %q", tc.address, tc.bound, got, tc.want)
		}
	}
}

func TestOwn(t *testing.T) {
	for _, h := range []string{"127.0.0.1", "localhost"} {
		if _, err := Own("yarn.nodemanager.address", h); err != nil {
			t.Errorf("Own(%q) = %v", h, err)
		}
	}
	// 203.0.113.0/24 (TEST-NET-3) is documentation's range: never a machine's own.
	_, err := Own("yarn.nodemanager.address", "203.0.113.7")
	if !errors.Is(err, ErrNotOwn) {
		t.Fatalf("Own(203.0.113.7) = %v, want ErrNotOwn", err)
	}
	if _, err := Own("yarn.nodemanager.address", "no-such-host.invalid"); err == nil {
		t.Fatal("Own accepted a name that does not resolve")
	}
}

// TestOwnOnTestHosts checks Own from inside two hosts: each owns its own
// address and not the other's.
func TestOwnOnTestHosts(t *testing.T) {
	n := netns.New(t, "a", "b")
	a, b := n.Host("a"), n.Host("b")
	err := a.Run(func() error {
		if ip, err := Own("yarn.nodemanager.address", a.IP.String()); err != nil || !ip.Equal(a.IP) {
			t.Errorf("in a, Own(a) = %v, %v", ip, err)
		}
		if _, err := Own("yarn.nodemanager.address", b.IP.String()); !errors.Is(err, ErrNotOwn) {
			t.Errorf("in a, Own(b) = %v, want ErrNotOwn", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
