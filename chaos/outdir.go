package chaos

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// stampFile marks a directory as a chaos run's output.
const stampFile = ".spindle-chaos"

// Stores and regions of the table the job is shipped with; transactions
// come from these stores.
var regionTable = [][2]string{
	{"s-01", "north"}, {"s-02", "north"}, {"s-03", "south"},
	{"s-04", "south"}, {"s-05", "east"}, {"s-06", "west"},
}

// prepareOut makes dir an empty chaos output directory: one an earlier run
// wrote is emptied, one with other files is refused (ErrNotChaosDir).
func prepareOut(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("chaos: read directory %s: %w", dir, err)
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, stampFile)); err != nil {
			return fmt.Errorf("%w: %s is not empty and has no %s; use another --out or remove it", ErrNotChaosDir, dir, stampFile)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("chaos: empty %s left by an earlier run: %w", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("chaos: create %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, stampFile), []byte("a spindle chaos run's output; emptied by the next run into it\n"), 0o644); err != nil {
		return fmt.Errorf("chaos: mark %s: %w", dir, err)
	}
	return nil
}

// writeRegions writes the store → region table the job is shipped with
// and returns its stores.
func writeRegions(path string) ([]string, error) {
	var b strings.Builder
	b.WriteString("# store,region: the region table of the chaos run's retail job.\n")
	var stores []string
	for _, sr := range regionTable {
		b.WriteString(sr[0] + "," + sr[1] + "\n")
		stores = append(stores, sr[0])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return nil, fmt.Errorf("chaos: write the region table: %w", err)
	}
	return stores, nil
}
