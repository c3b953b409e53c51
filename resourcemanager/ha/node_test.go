package ha

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/spindlehq/spindle/pki"
)

// testTLS makes a cluster CA and its certificates in a temporary directory:
// the group's RMs replicate with its ResourceManager certificate.
func testTLS(t *testing.T) pki.Local {
	t.Helper()
	local, err := pki.CreateLocal(t.TempDir(), "ann", 0)
	if err != nil {
		t.Fatal(err)
	}
	return local
}

// material loads the certificate cert of local, with its key and CA.
func material(t *testing.T, local pki.Local, cert string) *pki.Material {
	t.Helper()
	m, err := pki.LoadFiles(pki.Files{CA: local.CA, Cert: cert, Key: pki.KeyFileFor(cert)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// freeAddr returns a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func groupConfigs(t *testing.T, n int) []Config { return groupConfigsWith(t, n, testTLS(t)) }

// groupConfigsWith configures a group of n whose RMs hold local's RM
// certificate.
func groupConfigsWith(t *testing.T, n int, local pki.Local) []Config {
	var peers []Peer
	for i := range n {
		peers = append(peers, Peer{ID: fmt.Sprintf("rm%d", i+1), Raft: freeAddr(t)})
	}
	rmTLS := material(t, local, local.RM)
	var out []Config
	for _, p := range peers {
		c := DefaultConfig()
		c.HeartbeatTimeout, c.ElectionTimeout, c.LeaderLeaseTimeout = 300*time.Millisecond, 300*time.Millisecond, 200*time.Millisecond
		c.SelfID, c.Peers, c.Dir, c.TLS = p.ID, peers, t.TempDir(), rmTLS
		out = append(out, c)
	}
	return out
}

// startGroup starts a node per config; the nodes still in the map at the
// end of the test are shut down.
func startGroup(t *testing.T, cfgs []Config) map[string]*Node {
	t.Helper()
	nodes := map[string]*Node{}
	t.Cleanup(func() {
		for _, n := range nodes {
			n.Shutdown()
		}
	})
	for _, c := range cfgs {
		n, err := Start(c)
		if err != nil {
			t.Fatal(err)
		}
		nodes[c.SelfID] = n
		go func() {
			for range n.Leadership() {
			}
		}()
	}
	return nodes
}

func waitLeader(t *testing.T, nodes map[string]*Node) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for id, n := range nodes {
			if n.IsLeader() {
				return id
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no leader within 10s")
	return ""
}

// TestGroupReplicatesAndFailsOver: a record written through the leader is
// on every RM; when the leader stops another takes over with the record,
// the old one's writes fail, and it catches up when it comes back.
func TestGroupReplicatesAndFailsOver(t *testing.T) {
	cfgs := groupConfigs(t, 3)
	nodes := startGroup(t, cfgs)
	leader := waitLeader(t, nodes)
	ctx := context.Background()
	if err := nodes[leader].Put(ctx, TableApps, "application_1_0001", []byte("rec")); err != nil {
		t.Fatal(err)
	}
	for id, n := range nodes {
		if id == leader {
			continue
		}
		if err := n.Put(ctx, TableApps, "x", nil); !errors.Is(err, ErrNotLeader) {
			t.Fatalf("write on standby %s: %v, want ErrNotLeader", id, err)
		}
	}
	old := nodes[leader]
	if err := old.Shutdown(); err != nil {
		t.Fatal(err)
	}
	delete(nodes, leader)
	next := waitLeader(t, nodes)
	if err := nodes[next].Barrier(ctx); err != nil {
		t.Fatal(err)
	}
	if v, ok := nodes[next].Get(TableApps, "application_1_0001"); !ok || string(v) != "rec" {
		t.Fatalf("new leader %s has %q, %v", next, v, ok)
	}
	if err := nodes[next].Put(ctx, TableApps, "application_1_0002", []byte("two")); err != nil {
		t.Fatal(err)
	}
	// The old leader comes back as a standby and catches up.
	var oldCfg Config
	for _, c := range cfgs {
		if c.SelfID == leader {
			oldCfg = c
		}
	}
	back, err := Start(oldCfg)
	if err != nil {
		t.Fatal(err)
	}
	nodes[leader] = back
	go func() {
		for range back.Leadership() {
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := back.Get(TableApps, "application_1_0002"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("restarted RM did not catch up within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestForeignRaftDataRefused(t *testing.T) {
	cfg := groupConfigs(t, 1)[0]
	n, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.Shutdown()
	other := cfg
	other.ClusterID = "other-cluster"
	if _, err := Start(other); !errors.Is(err, ErrForeignData) {
		t.Fatalf("start on another cluster's data: %v, want ErrForeignData", err)
	}
	renamed := cfg
	renamed.SelfID = "rm9"
	renamed.Peers = []Peer{{ID: "rm9", Raft: cfg.Peers[0].Raft}}
	if _, err := Start(renamed); !errors.Is(err, ErrForeignData) {
		t.Fatalf("start as another RM on its data: %v, want ErrForeignData", err)
	}
}
