package statestore

import (
	"errors"
	"sort"
	"sync"
)

// ErrNoVersion is returned when a partition does not hold the version a
// task starts from: it must be restored from a checkpoint.
var ErrNoVersion = errors.New("statestore: the partition does not hold that version")

// PartitionID names one reduce partition of one keyed stage.
type PartitionID struct {
	Stage     string
	Partition int
}

// Store holds an executor's state partitions.
type Store struct {
	mu    sync.Mutex
	parts map[PartitionID]*Partition
}

// New returns an empty store.
func New() *Store { return &Store{parts: map[PartitionID]*Partition{}} }

// Partition is one reduce partition's state. Its lock is held by the
// task that updates it, so that two attempts of a task never interleave.
type Partition struct {
	lock sync.Mutex
	// version is the batch (Unix ms) the data is the state after; 0 for
	// the empty state before any batch.
	version int64
	data    map[string][]byte
	// prev is the version before, which undo gets back to; undo holds,
	// for each key changed since prev, its value then (nil: absent).
	prev    int64
	hasPrev bool
	undo    map[string][]byte
	// txn: an update is under way.
	txn bool
}

// Lock returns partition id, created empty at version 0 if new, locked
// for the caller's task; Unlock it when done.
func (s *Store) Lock(id PartitionID) *Partition {
	s.mu.Lock()
	p, ok := s.parts[id]
	if !ok {
		p = &Partition{data: map[string][]byte{}}
		s.parts[id] = p
	}
	s.mu.Unlock()
	p.lock.Lock()
	return p
}

// Unlock releases the partition, rolling back an update not committed.
func (p *Partition) Unlock() {
	if p.txn {
		p.rollback()
	}
	p.lock.Unlock()
}

// Drop forgets partition id (its state moved to another executor).
func (s *Store) Drop(id PartitionID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.parts, id)
}

// Stats counts the partitions held, their keys and the bytes of their
// keys and values.
func (s *Store) Stats() (partitions, keys int, bytes int64) {
	s.mu.Lock()
	parts := make([]*Partition, 0, len(s.parts))
	for _, p := range s.parts {
		parts = append(parts, p)
	}
	s.mu.Unlock()
	for _, p := range parts {
		p.lock.Lock()
		k, b := p.size()
		p.lock.Unlock()
		keys += k
		bytes += b
	}
	return len(parts), keys, bytes
}

// Version is the batch the partition's state is the state after.
func (p *Partition) Version() int64 { return p.version }

// size counts the keys and their bytes.
func (p *Partition) size() (int, int64) {
	var b int64
	for k, v := range p.data {
		b += int64(len(k) + len(v))
	}
	return len(p.data), b
}

// Size counts the partition's keys and the bytes of keys and values.
func (p *Partition) Size() (int, int64) { return p.size() }

// Begin starts the update from version base to a new one: the partition
// must hold base, or the version after it, whose changes it undoes.
func (p *Partition) Begin(base int64) error {
	switch {
	case p.version == base:
	case p.hasPrev && p.prev == base:
		p.rollback()
	default:
		return ErrNoVersion
	}
	p.prev, p.hasPrev, p.undo, p.txn = base, true, map[string][]byte{}, true
	return nil
}

// Reset replaces the partition's state with data at version, as a
// checkpoint holds it; data is the partition's from then on.
func (p *Partition) Reset(version int64, data map[string][]byte) {
	if data == nil {
		data = map[string][]byte{}
	}
	p.version, p.data, p.hasPrev, p.undo, p.txn = version, data, false, nil, false
}

// Get returns key's state; ok false when it has none.
func (p *Partition) Get(key string) ([]byte, bool) {
	v, ok := p.data[key]
	return v, ok
}

// Set sets key's state within an update.
func (p *Partition) Set(key string, v []byte) {
	p.remember(key)
	p.data[key] = v
}

// Delete removes key's state within an update.
func (p *Partition) Delete(key string) {
	p.remember(key)
	delete(p.data, key)
}

func (p *Partition) remember(key string) {
	if _, seen := p.undo[key]; seen {
		return
	}
	old, ok := p.data[key]
	if !ok {
		old = nil
	} else if old == nil {
		old = []byte{}
	}
	p.undo[key] = old
}

// Keys returns the keys with state, sorted.
func (p *Partition) Keys() []string {
	keys := make([]string, 0, len(p.data))
	for k := range p.data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Commit ends the update as version.
func (p *Partition) Commit(version int64) {
	p.version, p.txn = version, false
}

// rollback undoes the changes since prev.
func (p *Partition) rollback() {
	for k, old := range p.undo {
		if old == nil {
			delete(p.data, k)
		} else {
			p.data[k] = old
		}
	}
	p.version, p.hasPrev, p.undo, p.txn = p.prev, false, nil, false
}

// Snapshot returns the partition's data, shared: the caller must not
// change it and must hold the partition while it reads it.
func (p *Partition) Snapshot() map[string][]byte { return p.data }
