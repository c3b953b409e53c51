package bindaddr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// ErrNotOwn is wrapped when an advertised address is not one of this
// machine's.
var ErrNotOwn = errors.New("bindaddr: not an address of this machine")

// Listen listens for the service whose address is address (key names its
// setting, for messages): on bindHost with address's port when bindHost
// is set (*.bind-host), else on address itself.
func Listen(key, address, bindHost string) (net.Listener, error) {
	addr, err := BindAddress(address, bindHost)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s %s: %w", key, addr, err)
	}
	return l, nil
}

// BindAddress is where a service with address listens: bindHost with
// address's port, or address when bindHost is empty.
func BindAddress(address, bindHost string) (string, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", address, err)
	}
	if bindHost != "" {
		host = bindHost
	}
	return net.JoinHostPort(host, port), nil
}

// Wildcard reports whether host listens on every interface.
func Wildcard(host string) bool {
	ip := net.ParseIP(host)
	return host == "" || ip != nil && ip.IsUnspecified()
}

// Advertised is the address to give others for a service configured as
// address and listening on bound: address's host (the machine's host name
// when it is a wildcard) with bound's port, which the OS chose when the
// configured port was 0.
func Advertised(address string, bound net.Addr) string {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = ""
	}
	if Wildcard(host) {
		host, _, _ = net.SplitHostPort(bound.String())
		if Wildcard(host) {
			if h, err := os.Hostname(); err == nil {
				host = h
			}
		}
	}
	_, port, _ := net.SplitHostPort(bound.String())
	return net.JoinHostPort(host, port)
}

// Checked is Advertised for a service that others are told about: it
// also checks with Own that the host is this machine's, and returns the
// address and the IP its host resolves to here.
func Checked(key, address string, bound net.Addr) (string, net.IP, error) {
	adv := Advertised(address, bound)
	host, _, _ := net.SplitHostPort(adv)
	ip, err := Own(key, host)
	return adv, ip, err
}

// lookupTimeout bounds resolving an advertised host name.
const lookupTimeout = 10 * time.Second

// Own checks that host (a name or an IP) resolves to an address of one of
// this machine's interfaces and returns that IP; key names the setting
// the host came from, for the message.
func Own(key, host string) (net.IP, error) {
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	ips, err := net.DefaultResolver.LookupIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("%s advertises %q, which does not resolve: %w", key, host, err)
	}
	local, err := localIPs()
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		for _, l := range local {
			if ip.Equal(l) {
				if ip4 := ip.To4(); ip4 != nil {
					return ip4, nil
				}
				return ip, nil
			}
		}
	}
	return nil, fmt.Errorf("%s advertises %q (%v), which is none of this machine's addresses %v: set it to this host's name or address: %w", key, host, ips, local, ErrNotOwn)
}

// localIPs lists the addresses of this machine's interfaces.
func localIPs() ([]net.IP, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("bindaddr: interface addresses: %w", err)
	}
	var out []net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			out = append(out, n.IP)
		}
	}
	return out, nil
}
