package ha

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.uber.org/zap"
)

// ErrNotLeader is a write on an RM that is not the active one.
var ErrNotLeader = errors.New("ha: this ResourceManager is not the active one")

// Node is this RM's member of the Raft group.
type Node struct {
	cfg       Config
	lg        *zap.Logger
	fsm       *FSM
	raft      *raft.Raft
	store     *raftboltdb.BoltStore
	transport *raft.NetworkTransport
	// notify carries raft's leadership changes: true on gaining it.
	notify chan bool
}

// Start opens (or creates and bootstraps) the Raft data in cfg.Dir and
// joins the group.
func Start(cfg Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("ha: Raft directory (%s): %w", KeyRaftDir, err)
	}
	if err := checkIdentity(cfg); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, lg: lg, fsm: NewFSM(), notify: make(chan bool, 16)}
	logOut := &zapWriter{lg: lg}
	var err error
	if n.transport, err = newTransport(cfg.Self(), cfg.TLS, lg, logOut); err != nil {
		return nil, err
	}
	if n.store, err = raftboltdb.NewBoltStore(filepath.Join(cfg.Dir, "raft.db")); err != nil {
		n.transport.Close()
		return nil, fmt.Errorf("ha: open Raft log in %s (%s): %w", cfg.Dir, KeyRaftDir, err)
	}
	snaps, err := raft.NewFileSnapshotStore(cfg.Dir, 2, logOut)
	if err != nil {
		n.close()
		return nil, fmt.Errorf("ha: Raft snapshots in %s: %w", cfg.Dir, err)
	}
	logs, err := raft.NewLogCache(512, n.store)
	if err != nil {
		n.close()
		return nil, err
	}
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.SelfID)
	rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout = cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout
	rc.NotifyCh = n.notify
	rc.LogOutput = logOut
	rc.LogLevel = "INFO"
	existing, err := raft.HasExistingState(logs, n.store, snaps)
	if err != nil {
		n.close()
		return nil, fmt.Errorf("ha: read Raft data in %s: %w", cfg.Dir, err)
	}
	if !existing {
		// Every RM of a new group bootstraps the same configuration, which
		// Raft allows; the first election then picks the active one.
		var servers []raft.Server
		for _, p := range cfg.Peers {
			servers = append(servers, raft.Server{ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Raft)})
		}
		if err := raft.BootstrapCluster(rc, logs, n.store, snaps, n.transport, raft.Configuration{Servers: servers}); err != nil {
			n.close()
			return nil, fmt.Errorf("ha: bootstrap the group in %s: %w", cfg.Dir, err)
		}
	}
	if n.raft, err = raft.NewRaft(rc, n.fsm, logs, n.store, snaps, n.transport); err != nil {
		n.close()
		return nil, fmt.Errorf("ha: start Raft: %w", err)
	}
	return n, nil
}

func (n *Node) close() {
	if n.store != nil {
		n.store.Close()
	}
	if n.transport != nil {
		n.transport.Close()
	}
}

// Shutdown leaves the group (without a configuration change: a stopped RM
// stays a member and catches up when it comes back).
func (n *Node) Shutdown() error {
	err := n.raft.Shutdown().Error()
	n.close()
	return err
}

// Leadership delivers true when this RM becomes the leader and false when
// it stops being one. Read it without pause: Raft waits for it.
func (n *Node) Leadership() <-chan bool { return n.notify }

// IsLeader reports whether this RM leads now.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// Leader returns the id of the leader this RM knows of, "" when none.
func (n *Node) Leader() string {
	_, id := n.raft.LeaderWithID()
	return string(id)
}

// State is this RM's Raft state: Leader, Follower, Candidate or Shutdown.
func (n *Node) State() string { return n.raft.State().String() }

// Barrier waits until every entry committed before it is applied here:
// a new leader calls it before reading the state it takes over.
func (n *Node) Barrier(ctx context.Context) error {
	return n.raft.Barrier(timeoutOf(ctx)).Error()
}

// VerifyLeader checks with a majority that this RM still leads.
func (n *Node) VerifyLeader() error {
	if err := n.raft.VerifyLeader().Error(); err != nil {
		return fmt.Errorf("%w: %v", ErrNotLeader, err)
	}
	return nil
}

// Apply commits cmd through the group and returns the FSM's response.
// Only the leader writes: anywhere else it fails at once with
// ErrNotLeader, and a leader that loses its majority meanwhile fails it.
func (n *Node) Apply(ctx context.Context, cmd Command) ([]byte, error) {
	if !n.IsLeader() {
		return nil, ErrNotLeader
	}
	raw, err := encode(cmd)
	if err != nil {
		return nil, err
	}
	f := n.raft.Apply(raw, timeoutOf(ctx))
	if err := f.Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) || errors.Is(err, raft.ErrLeadershipTransferInProgress) {
			return nil, fmt.Errorf("%w: %v", ErrNotLeader, err)
		}
		return nil, fmt.Errorf("ha: replicate %s %s/%s: %w", cmd.Op, cmd.Table, cmd.Key, err)
	}
	switch r := f.Response().(type) {
	case error:
		return nil, r
	case []byte:
		return r, nil
	}
	return nil, nil
}

// Put replicates one record.
func (n *Node) Put(ctx context.Context, table, key string, value []byte) error {
	_, err := n.Apply(ctx, Command{Op: OpPut, Table: table, Key: key, Value: value})
	return err
}

// Get reads one record of the state as applied here.
func (n *Node) Get(table, key string) ([]byte, bool) { return n.fsm.Get(table, key) }

// List reads a table of the state as applied here.
func (n *Node) List(table string) map[string][]byte { return n.fsm.List(table) }

// TransferLeadership hands the lead to the RM id, or to any other RM
// when id is "".
func (n *Node) TransferLeadership(id string) error {
	if id == "" {
		return n.raft.LeadershipTransfer().Error()
	}
	p, ok := n.cfg.Peer(id)
	if !ok {
		return fmt.Errorf("ha: no ResourceManager %s in the group", id)
	}
	return n.raft.LeadershipTransferToServer(raft.ServerID(id), raft.ServerAddress(p.Raft)).Error()
}

// Stats are Raft's counters (term, last index, ...), for operators.
func (n *Node) Stats() map[string]string { return n.raft.Stats() }

func encode(c Command) ([]byte, error) { return json.Marshal(c) }

// timeoutOf turns a context's deadline into Raft's timeout; no deadline
// waits 10 s.
func timeoutOf(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return max(time.Until(d), time.Millisecond)
	}
	return 10 * time.Second
}
