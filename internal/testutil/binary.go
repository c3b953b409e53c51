package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error

	jobOnce sync.Once
	jobPath string
	jobErr  error
)

// repoRoot finds the module root from this source file's location.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// SpindleBinary builds the spindle binary once per test process and returns
// its path. It lives in a temporary dir that RemoveBinary deletes.
func SpindleBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "spindle-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "spindle")
		cmd := exec.Command("go", "build", "-o", buildPath, "./cmd/spindle")
		cmd.Dir = repoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/spindle: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return buildPath
}

// TestJobBinary builds internal/testutil/testjob once per test process.
func TestJobBinary(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Dir(SpindleBinary(tb))
	jobOnce.Do(func() {
		jobPath = filepath.Join(dir, "testjob")
		cmd := exec.Command("go", "build", "-o", jobPath, "./internal/testutil/testjob")
		cmd.Dir = repoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			jobErr = fmt.Errorf("go build ./internal/testutil/testjob: %v\n%s", err, out)
		}
	})
	if jobErr != nil {
		tb.Fatal(jobErr)
	}
	return jobPath
}

// RemoveBinary deletes the binaries SpindleBinary and TestJobBinary built;
// call it from TestMain.
func RemoveBinary() {
	if buildPath != "" {
		os.RemoveAll(filepath.Dir(buildPath))
	}
}
