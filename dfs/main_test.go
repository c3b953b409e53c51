package dfs

import (
	"os"
	"testing"
)

// helperEnv makes the test binary act as a helper process instead of
// running tests; its value names the helper.
const helperEnv = "DFS_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	os.Exit(m.Run())
}

// runHelper runs the helper named mode and returns the exit code.
func runHelper(mode string) int {
	switch mode {
	case killedWriterHelper:
		return runKilledWriter()
	default:
		os.Stderr.WriteString("unknown helper " + mode + "\n")
		return 2
	}
}
