package netns

import (
	"testing"

	"go.uber.org/zap/zaptest"
)

// New creates hosts named names for a test and removes them, with every
// process in them, when the test ends (also when it fails). A machine
// where the harness cannot run fails the test with the reason: it needs
// root and iproute2, nftables and iptables.
func New(tb testing.TB, names ...string) *Network {
	tb.Helper()
	n, err := Create(Config{Names: names, Logger: zaptest.NewLogger(tb)})
	if err != nil {
		tb.Fatalf("test hosts in network namespaces: %v", err)
	}
	tb.Cleanup(func() {
		if err := n.Close(); err != nil {
			tb.Errorf("remove test hosts: %v", err)
		}
	})
	return n
}
