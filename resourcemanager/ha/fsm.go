package ha

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"sync"

	"github.com/hashicorp/raft"
)

// Tables of the replicated state. To replicate something new, name a new
// table here and Put its records: the log, commands and snapshots carry
// any table.
const (
	// TableApps holds one record per application, by application id.
	TableApps = "apps"
	// TableNodes holds one record per NodeManager, by node id.
	TableNodes = "nodes"
	// TableSecrets holds the token master keys and the gossip key (key
	// SecretKeys), which only the group's RMs ever read.
	TableSecrets = "secrets"
	// TableEpochs holds one record per takeover, by a zero-padded epoch
	// number: the cluster timestamp the new active RM used.
	TableEpochs = "epochs"
)

// SecretKeys is the key of the token master keys and the gossip key in
// TableSecrets.
const SecretKeys = "keys"

// Ops of a command.
const (
	OpPut    = "put"
	OpDelete = "delete"
	// OpPutIfAbsent keeps an existing value; the command's response is
	// the value that stands.
	OpPutIfAbsent = "put-if-absent"
)

// ErrBadCommand is a log entry or snapshot that is not one this RM reads.
var ErrBadCommand = errors.New("ha: bad command")

// Command is one change to the state, as a log entry.
type Command struct {
	Op    string `json:"op"`
	Table string `json:"table"`
	Key   string `json:"key"`
	Value []byte `json:"value,omitempty"`
}

// maxName bounds table names and keys.
const maxName = 1024

// DecodeCommand reads and checks one log entry.
func DecodeCommand(raw []byte) (Command, error) {
	var c Command
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("%w: %v", ErrBadCommand, err)
	}
	switch c.Op {
	case OpPut, OpDelete, OpPutIfAbsent:
	default:
		return c, fmt.Errorf("%w: op %q", ErrBadCommand, c.Op)
	}
	if c.Table == "" || len(c.Table) > maxName || c.Key == "" || len(c.Key) > maxName {
		return c, fmt.Errorf("%w: table %q, key %q: both must be 1 to %d bytes", ErrBadCommand, c.Table, c.Key, maxName)
	}
	return c, nil
}

// FSM is the replicated state: tables of records.
type FSM struct {
	mu     sync.RWMutex
	tables map[string]map[string][]byte
}

// NewFSM returns an empty state.
func NewFSM() *FSM { return &FSM{tables: map[string]map[string][]byte{}} }

var _ raft.FSM = (*FSM)(nil)

// Apply applies one committed log entry. A bad entry changes nothing and
// its error is the entry's response: every replica agrees on it.
func (f *FSM) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	c, err := DecodeCommand(l.Data)
	if err != nil {
		return err
	}
	return f.apply(c)
}

func (f *FSM) apply(c Command) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tables[c.Table]
	if t == nil {
		t = map[string][]byte{}
		f.tables[c.Table] = t
	}
	switch c.Op {
	case OpDelete:
		delete(t, c.Key)
	case OpPutIfAbsent:
		if v, ok := t[c.Key]; ok {
			return v
		}
		t[c.Key] = c.Value
	default:
		t[c.Key] = c.Value
	}
	return c.Value
}

// Get returns one record.
func (f *FSM) Get(table, key string) ([]byte, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	v, ok := f.tables[table][key]
	return v, ok
}

// List returns a copy of a table.
func (f *FSM) List(table string) map[string][]byte {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return maps.Clone(f.tables[table])
}

// snapshotVersion is the snapshot format this RM writes and reads.
const snapshotVersion = 1

// snapshotBody is a snapshot as stored.
type snapshotBody struct {
	Version int                          `json:"version"`
	Tables  map[string]map[string][]byte `json:"tables"`
}

// Snapshot copies the state; Persist writes the copy.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	cp := make(map[string]map[string][]byte, len(f.tables))
	for name, t := range f.tables {
		cp[name] = maps.Clone(t)
	}
	return &snapshot{body: snapshotBody{Version: snapshotVersion, Tables: cp}}, nil
}

// Restore replaces the state with a snapshot's.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	tables, err := DecodeSnapshot(rc)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.tables = tables
	f.mu.Unlock()
	return nil
}

// DecodeSnapshot reads and checks a snapshot.
func DecodeSnapshot(r io.Reader) (map[string]map[string][]byte, error) {
	var b snapshotBody
	if err := json.NewDecoder(r).Decode(&b); err != nil {
		return nil, fmt.Errorf("%w: snapshot: %v", ErrBadCommand, err)
	}
	if b.Version != snapshotVersion {
		return nil, fmt.Errorf("%w: snapshot version %d; this ResourceManager reads version %d", ErrBadCommand, b.Version, snapshotVersion)
	}
	if b.Tables == nil {
		b.Tables = map[string]map[string][]byte{}
	}
	for name, t := range b.Tables {
		if t == nil {
			b.Tables[name] = map[string][]byte{}
		}
	}
	return b.Tables, nil
}

type snapshot struct{ body snapshotBody }

func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	if err := json.NewEncoder(sink).Encode(s.body); err != nil {
		sink.Cancel()
		return fmt.Errorf("ha: write snapshot: %w", err)
	}
	return sink.Close()
}

func (s *snapshot) Release() {}
