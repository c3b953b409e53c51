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

// builds holds each package built once per test process.
var (
	buildMu  sync.Mutex
	buildDir string
	builds   = map[string]*build{}
)

type build struct {
	once sync.Once
	path string
	err  error
}

// repoRoot finds the module root from this source file's location.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Binary builds the Go package at pkg (relative to the repository root,
// e.g. "./cmd/spindle") once per test process and returns the binary's
// path, named name. RemoveBinary deletes them all.
func Binary(tb testing.TB, pkg, name string) string {
	tb.Helper()
	buildMu.Lock()
	if buildDir == "" {
		dir, err := os.MkdirTemp("", "spindle-bin-")
		if err == nil {
			// Containers run as another user (nobody) and must run the
			// NodeManager's spindle binary.
			err = os.Chmod(dir, 0o755)
		}
		if err != nil {
			buildMu.Unlock()
			tb.Fatal(err)
		}
		buildDir = dir
	}
	b, ok := builds[pkg]
	if !ok {
		b = &build{path: filepath.Join(buildDir, name)}
		builds[pkg] = b
	}
	buildMu.Unlock()
	b.once.Do(func() {
		cmd := exec.Command("go", "build", "-o", b.path, pkg)
		cmd.Dir = repoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	})
	if b.err != nil {
		tb.Fatal(b.err)
	}
	return b.path
}

// SpindleBinary is the spindle binary.
func SpindleBinary(tb testing.TB) string { return Binary(tb, "./cmd/spindle", "spindle") }

// TestJobBinary is internal/testutil/testjob, a plain driver program.
func TestJobBinary(tb testing.TB) string {
	return Binary(tb, "./internal/testutil/testjob", "testjob")
}

// RemoveBinary deletes the binaries built; call it from TestMain.
func RemoveBinary() {
	buildMu.Lock()
	defer buildMu.Unlock()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

// KeyHuntBinary is internal/testutil/keyhunt, a job that tries to read the
// files it is given and prints its environment.
func KeyHuntBinary(tb testing.TB) string {
	return Binary(tb, "./internal/testutil/keyhunt", "keyhunt")
}
