package chaos

import (
	"fmt"
	"path/filepath"

	"github.com/spindlehq/spindle/devcluster"
)

// Verify checks the output of a run in dir again, after the fact: the
// sink and the dead letters the job wrote under dir/cluster against the
// producer's ledger (LedgerFile) and the job's final state (StateFile),
// as the run did. The error is non-nil when they cannot be read; the
// Verification says whether they match.
func Verify(dir string) (Verification, error) {
	l, err := devcluster.ReadLedger(filepath.Join(dir, LedgerFile))
	if err != nil {
		return Verification{}, fmt.Errorf("chaos: verify %s: %w", dir, err)
	}
	state, err := readState(filepath.Join(dir, StateFile))
	if err != nil {
		return Verification{}, fmt.Errorf("chaos: verify %s: %w", dir, err)
	}
	vf := newVerifier(l)
	vf.readOutputs(sinkDir(filepath.Join(dir, "cluster")))
	return vf.finish(state), nil
}

// sinkDir is where the job's sink writes in a run's cluster dir.
func sinkDir(clusterDir string) string { return filepath.Join(clusterDir, "output", appName) }
