package ha

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestReplicationRefusesOutsiders: a process that reaches an RM's Raft
// port without a ResourceManager certificate of the cluster CA can
// neither speak Raft to it in plain text (an AppendEntries with a huge
// term is not heard: the group's term stays) nor pass the TLS handshake
// with another CA's RM certificate or the cluster's NodeManager or user
// certificates; each refusal is logged; the group goes on working.
func TestReplicationRefusesOutsiders(t *testing.T) {
	groupLocal := testTLS(t)
	cfgs := groupConfigsWith(t, 3, groupLocal)
	logs, observed := observer.New(zap.WarnLevel)
	for i := range cfgs {
		cfgs[i].Logger = zap.New(logs)
	}
	nodes := startGroup(t, cfgs)
	leader := waitLeader(t, nodes)
	const intruderTerm = 1 << 40

	// Raft's own transport, as an outsider would use it.
	out, err := raft.NewTCPTransport("127.0.0.1:0", nil, 1, time.Second, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd, _ := encode(Command{Op: OpPut, Table: TableApps, Key: "application_1_9999", Value: []byte("forged")})
	for _, c := range cfgs {
		req := &raft.AppendEntriesRequest{
			RPCHeader: raft.RPCHeader{ProtocolVersion: raft.ProtocolVersionMax, ID: []byte("intruder"), Addr: []byte(out.LocalAddr())},
			Term:      intruderTerm, Entries: []*raft.Log{{Index: 1 << 30, Term: intruderTerm, Type: raft.LogCommand, Data: cmd}}, LeaderCommitIndex: 1 << 30,
		}
		var resp raft.AppendEntriesResponse
		if err := out.AppendEntries(raft.ServerID(c.SelfID), raft.ServerAddress(c.Self().Raft), req, &resp); err == nil {
			t.Errorf("AppendEntries to %s without the secret was answered: %+v", c.SelfID, resp)
		}
	}

	// Peers with the wrong certificates fail the handshake, or are
	// dropped at once after it (TLS 1.3 lets a client finish before the
	// server has checked its certificate).
	other := testTLS(t)
	for name, m := range map[string]*pki.Material{
		"another CA's RM certificate":    material(t, other, other.RM),
		"the cluster's NM certificate":   material(t, groupLocal, groupLocal.NM),
		"the cluster's user certificate": material(t, groupLocal, groupLocal.Client),
	} {
		s := &tlsStream{tls: m}
		c, err := s.Dial(raft.ServerAddress(cfgs[0].Self().Raft), time.Second)
		if err == nil {
			c.SetReadDeadline(time.Now().Add(handshakeTimeout + 5*time.Second))
			_, err = c.Read(make([]byte, 1))
			c.Close()
		}
		if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("dial with %s: %v, want the connection refused", name, err)
		}
	}
	refused := func() int {
		return observed.FilterMessage("replication connection refused").FilterFieldKey("remote").Len()
	}
	for deadline := time.Now().Add(10 * time.Second); refused() < 3 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if n := refused(); n < 3 {
		t.Errorf("%d refused replication connections logged, want one per wrong certificate", n)
	}
	// A connection that never speaks is dropped after the handshake timeout.
	silent, err := net.Dial("tcp", cfgs[1].Self().Raft)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	silent.SetReadDeadline(time.Now().Add(handshakeTimeout + 5*time.Second))
	if _, err := silent.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("a silent connection: read %v, want it closed by the RM (EOF)", err)
	}

	for id, n := range nodes {
		if term, _ := strconv.ParseUint(n.Stats()["term"], 10, 64); term >= intruderTerm {
			t.Errorf("%s took the intruder's term %d", id, term)
		}
		if _, ok := n.Get(TableApps, "application_1_9999"); ok {
			t.Errorf("%s holds the forged record", id)
		}
	}
	// The group still replicates.
	leader = waitLeader(t, nodes)
	if err := nodes[leader].Put(context.Background(), TableApps, "application_1_0001", []byte("rec")); err != nil {
		t.Fatalf("write after the intrusion attempts: %v", err)
	}
}
