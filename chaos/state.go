package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"go.uber.org/zap"
)

// readFinalState returns the retail job's state after its last committed
// batch: each store's revenue in cents, from the checkpoint at uri.
func readFinalState(ctx context.Context, uri string, lg *zap.Logger) (map[string]int64, error) {
	store, dir, err := dfs.Open(ctx, uri)
	if err != nil {
		return nil, fmt.Errorf("chaos: open checkpoint %s: %w", uri, err)
	}
	defer store.Close()
	log, err := hdfscheckpoint.NewLog(store, dir, 0, lg)
	if err != nil {
		return nil, fmt.Errorf("chaos: checkpoint log %s: %w", uri, err)
	}
	rec, err := log.Recover(ctx)
	if err != nil {
		return nil, fmt.Errorf("chaos: read checkpoint %s: %w", uri, err)
	}
	if rec.LastCommitted == nil {
		return nil, fmt.Errorf("chaos: checkpoint %s has no committed batch", uri)
	}
	raw, err := log.ReadState(ctx, rec.LastCommitted.BatchTime, hdfscheckpoint.AllPartitionsState)
	if err != nil {
		return nil, fmt.Errorf("chaos: state of batch %d in %s: %w", rec.LastCommitted.BatchTime.UnixMilli(), uri, err)
	}
	return parseRetailState(raw)
}

// parseRetailState reads a state snapshot ({"format":1,"state":{store:
// cents}}, values base64 of decimal cents) as revenue per store.
func parseRetailState(raw []byte) (map[string]int64, error) {
	var snap struct {
		State map[string][]byte `json:"state"`
	}
	if err := json.Unmarshal(raw, &snap); err != nil {
		return nil, fmt.Errorf("chaos: state snapshot: %w", err)
	}
	out := make(map[string]int64, len(snap.State))
	for store, v := range snap.State {
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("chaos: state of store %s is %q, not cents", store, clip(v))
		}
		out[store] = n
	}
	return out, nil
}

// writeState writes the job's final state, revenue per store in cents, as
// JSON, for the run to be checked again afterwards.
func writeState(path string, state map[string]int64) error {
	raw, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return fmt.Errorf("chaos: encode the final state: %w", err)
	}
	if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
		return fmt.Errorf("chaos: write the final state: %w", err)
	}
	return nil
}

// readState reads what writeState wrote.
func readState(path string) (map[string]int64, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("chaos: final state: %w", err)
	}
	var state map[string]int64
	if err := json.Unmarshal(raw, &state); err != nil {
		return nil, fmt.Errorf("chaos: final state %s: %w", path, err)
	}
	return state, nil
}
