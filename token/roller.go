package token

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Roller rolls a Signer's master keys on a schedule, as YARN's
// yarn.resourcemanager.container-tokens.master-key-rolling-interval-secs
// does: every Interval a next key is made and handed out (NodeManagers
// learn it on their next heartbeat) for Activation before it signs; the key
// it replaces keeps verifying until the following roll, so a token signed
// just before a roll stays good for its whole life.
type Roller struct {
	// Signer holds the keys.
	Signer *Signer
	// Interval is how long a key signs.
	Interval time.Duration
	// Activation is how long a next key is known before it signs.
	Activation time.Duration

	mu       sync.Mutex
	rolledAt time.Time // when the current key began to sign
	next     uint32    // id of the key waiting to sign; 0 for none
	nextAt   time.Time
}

// RollerState is what a Roller keeps across restarts.
type RollerState struct {
	Current    uint32      `json:"current"`
	Keys       []MasterKey `json:"keys"`
	Next       uint32      `json:"next,omitempty"`
	RolledAtMs int64       `json:"rolledAtMs"`
	NextAtMs   int64       `json:"nextAtMs,omitempty"`
}

// Start gives the roller its first key, or the keys of an earlier run.
func (r *Roller) Start(now time.Time, st *RollerState) error {
	if r.Signer == nil || r.Interval <= 0 || r.Activation < 0 {
		return errors.New("token: a roller needs a signer, a positive interval and an activation delay")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if st != nil && len(st.Keys) > 0 {
		if err := r.Signer.SetKeys(st.Current, st.Keys); err != nil {
			return fmt.Errorf("token: stored master keys: %w", err)
		}
		r.rolledAt, r.next = time.UnixMilli(st.RolledAtMs), st.Next
		if st.Next != 0 {
			r.nextAt = time.UnixMilli(st.NextAtMs)
		}
		return nil
	}
	k, err := NewMasterKey(1)
	if err != nil {
		return err
	}
	r.rolledAt = now
	return r.Signer.SetKeys(k.ID, []MasterKey{k})
}

// Tick makes the next key when the current one has signed for Interval,
// and lets it sign once it has been known for Activation, keeping the key
// before it. It reports whether the keys changed.
func (r *Roller) Tick(now time.Time) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	current, keys, _ := r.Signer.Keys()
	switch {
	case r.next == 0 && now.Sub(r.rolledAt) >= r.Interval:
		k, err := NewMasterKey(current + 1)
		if err != nil {
			return false, err
		}
		if err := r.Signer.SetKeys(current, append(keys, k)); err != nil {
			return false, err
		}
		r.next, r.nextAt = k.ID, now
		return true, nil
	case r.next != 0 && now.Sub(r.nextAt) >= r.Activation:
		var kept []MasterKey
		for _, k := range keys {
			if k.ID >= current {
				kept = append(kept, k)
			}
		}
		if err := r.Signer.SetKeys(r.next, kept); err != nil {
			return false, err
		}
		r.next, r.rolledAt = 0, now
		return true, nil
	}
	return false, nil
}

// State is what to keep for the next run.
func (r *Roller) State() RollerState {
	r.mu.Lock()
	defer r.mu.Unlock()
	current, keys, _ := r.Signer.Keys()
	st := RollerState{Current: current, Keys: keys, Next: r.next, RolledAtMs: r.rolledAt.UnixMilli()}
	if r.next != 0 {
		st.NextAtMs = r.nextAt.UnixMilli()
	}
	return st
}
