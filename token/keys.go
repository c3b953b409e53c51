package token

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// KeyLen is the size of a master key.
const KeyLen = 32

// ErrUnknownKey is returned for a token signed with a master key the
// verifier does not hold: a forged key id, or a key rolled out long ago.
var ErrUnknownKey = errors.New("token: signed with an unknown master key")

// MasterKey is one key tokens are signed with, named by its id.
type MasterKey struct {
	ID     uint32
	Secret []byte
}

// NewMasterKey returns a random key with id.
func NewMasterKey(id uint32) (MasterKey, error) {
	k := MasterKey{ID: id, Secret: make([]byte, KeyLen)}
	if _, err := rand.Read(k.Secret); err != nil {
		return k, fmt.Errorf("token: generate master key: %w", err)
	}
	return k, nil
}

// keySet is the master keys a Signer knows and the one it signs with.
type keySet struct {
	mu      sync.RWMutex
	keys    map[uint32][]byte
	current uint32
	version uint64
}

func (s *keySet) set(current uint32, keys []MasterKey) error {
	m := map[uint32][]byte{}
	for _, k := range keys {
		if len(k.Secret) < minSecretLen {
			return fmt.Errorf("token: master key %d of %d bytes is too short, want at least %d", k.ID, len(k.Secret), minSecretLen)
		}
		m[k.ID] = slices.Clone(k.Secret)
	}
	if _, ok := m[current]; !ok && len(keys) > 0 {
		return fmt.Errorf("token: the current master key %d is not among the keys", current)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys, s.current = m, current
	s.version++
	return nil
}

func (s *keySet) signing() (uint32, []byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.keys[s.current]
	if !ok {
		return 0, nil, errors.New("token: no master key yet: a NodeManager gets the keys when it registers with the ResourceManager")
	}
	return s.current, k, nil
}

func (s *keySet) lookup(id uint32) ([]byte, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.keys[id]
	return k, ok
}

// snapshot returns the keys, oldest id first, the current one and the
// version, which changes whenever they do.
func (s *keySet) snapshot() (current uint32, keys []MasterKey, version uint64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for id, k := range s.keys {
		keys = append(keys, MasterKey{ID: id, Secret: slices.Clone(k)})
	}
	slices.SortFunc(keys, func(a, b MasterKey) int { return int(int64(a.ID) - int64(b.ID)) })
	return s.current, keys, s.version
}
