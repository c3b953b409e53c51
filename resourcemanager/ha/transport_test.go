package ha

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// TestReplicationRefusesOutsiders: a process that reaches an RM's Raft
// port without the group's secret can neither speak Raft to it (an
// AppendEntries with a huge term is not heard: the group's term stays)
// nor pass the handshake with another secret; the group goes on working.
func TestReplicationRefusesOutsiders(t *testing.T) {
	cfgs := groupConfigs(t, 3)
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

	// A peer holding another secret fails the handshake.
	other := &secretStream{secret: []byte("another-cluster-secret-of-32-byt")}
	if _, err := other.Dial(raft.ServerAddress(cfgs[0].Self().Raft), time.Second); !errors.Is(err, ErrNotGroupMember) {
		t.Errorf("dial with another secret: %v, want ErrNotGroupMember", err)
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
