package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedDir is a temporary directory that containers may write in, as a
// shared file system would be: containers run as another user (nobody)
// than the tests, so the directory is world-writable (with the sticky bit,
// as /tmp) and the directories above it can be passed through. Use it for
// whatever a job, its driver or its executors read or write: checkpoints,
// sinks, files a test job waits for.
func SharedDir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	openUp(tb, dir)
	return dir
}

// openUp makes dir writable by every user and the directories above it
// that are tests' own passable.
func openUp(tb testing.TB, dir string) {
	tb.Helper()
	if err := os.Chmod(dir, 0o1777); err != nil {
		tb.Fatal(err)
	}
	// t.TempDir makes a per-test parent with mode 0700.
	if err := os.Chmod(filepath.Dir(dir), 0o711); err != nil {
		tb.Fatal(err)
	}
}
