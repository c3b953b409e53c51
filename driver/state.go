package driver

import (
	"encoding/json"
	"fmt"
)

// stateFormat versions the state snapshot, so that a new build of a job can
// tell a snapshot it cannot read.
const stateFormat = 1

type stateSnapshot struct {
	Format int               `json:"format"`
	State  map[string][]byte `json:"state"`
}

func encodeState(s map[string][]byte) ([]byte, error) {
	return json.Marshal(stateSnapshot{Format: stateFormat, State: s})
}

func decodeState(raw []byte) (map[string][]byte, error) {
	var snap stateSnapshot
	if err := json.Unmarshal(raw, &snap); err != nil {
		return nil, fmt.Errorf("state snapshot: %w", err)
	}
	if snap.Format != stateFormat {
		return nil, fmt.Errorf("state snapshot format %d; this build reads format %d", snap.Format, stateFormat)
	}
	if snap.State == nil {
		snap.State = map[string][]byte{}
	}
	return snap.State, nil
}

// isEmptyState reports whether raw is a snapshot of no keys; false for one
// that cannot be read.
func isEmptyState(raw []byte) bool {
	s, err := decodeState(raw)
	return err == nil && len(s) == 0
}
