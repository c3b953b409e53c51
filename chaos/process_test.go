package chaos

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// shProcess runs a shell script as a child process of the run.
func shProcess(t *testing.T, script string) (*process, string) {
	t.Helper()
	dir := t.TempDir()
	p, err := startProcess("sh", "/bin/sh", []string{"-c", script}, []string{"CHAOS_TEST_DIR=" + dir}, filepath.Join(dir, "out.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop(time.Second) })
	return p, dir
}

func TestProcessReadyAndKill(t *testing.T) {
	p, dir := shProcess(t, `echo starting; echo '{"client":"127.0.0.1:1"}' > "$CHAOS_TEST_DIR/ready.json"; exec sleep 60`)
	var ready struct{ Client string }
	if err := p.waitReady(context.Background(), filepath.Join(dir, "ready.json"), 10*time.Second, &ready); err != nil {
		t.Fatal(err)
	}
	if ready.Client != "127.0.0.1:1" {
		t.Fatalf("ready file decoded to %+v", ready)
	}
	if p.crashed() {
		t.Fatal("a running process counts as crashed")
	}
	p.kill()
	if err := syscall.Kill(p.PID(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process %d still exists after kill: %v", p.PID(), err)
	}
	if p.crashed() {
		t.Fatal("a killed process counts as crashed")
	}
	if !strings.Contains(p.tail(100), "starting") {
		t.Fatalf("log tail %q", p.tail(100))
	}
}

func TestProcessExitDuringStartIsReported(t *testing.T) {
	p, dir := shProcess(t, `echo "cannot bind 127.0.0.1:8032" >&2; exit 3`)
	var v any
	err := p.waitReady(context.Background(), filepath.Join(dir, "ready.json"), 10*time.Second, &v)
	if !errors.Is(err, ErrDaemonExited) || !strings.Contains(err.Error(), "cannot bind") {
		t.Fatalf("waitReady = %v, want ErrDaemonExited with the process's output", err)
	}
	if !p.crashed() {
		t.Fatal("a process that exited by itself does not count as crashed")
	}
}

func TestProcessStopEscalates(t *testing.T) {
	// The shell ignores SIGTERM; stop kills it after the timeout.
	p, dir := shProcess(t, `trap '' TERM; echo '{}' > "$CHAOS_TEST_DIR/ready.json"; while :; do sleep 0.1; done`)
	var v any
	if err := p.waitReady(context.Background(), filepath.Join(dir, "ready.json"), 10*time.Second, &v); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if p.stop(300 * time.Millisecond) {
		t.Fatal("stop reports a clean exit for a process that ignored SIGTERM")
	}
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Fatalf("killed after %v, before the timeout", waited)
	}
}

func TestPrepareOut(t *testing.T) {
	base := t.TempDir()
	fresh := filepath.Join(base, "fresh")
	if err := prepareOut(fresh); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fresh, "old-report.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A directory a run wrote is emptied.
	if err := prepareOut(fresh); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(fresh, "old-report.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the earlier run's file is still there: %v", err)
	}
	// One with someone else's files is refused, and left alone.
	foreign := filepath.Join(base, "foreign")
	if err := os.MkdirAll(foreign, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(foreign, "thesis.tex"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := prepareOut(foreign); !errors.Is(err, ErrNotChaosDir) {
		t.Fatalf("prepareOut of a foreign directory = %v, want ErrNotChaosDir", err)
	}
	if _, err := os.Stat(filepath.Join(foreign, "thesis.tex")); err != nil {
		t.Fatalf("the foreign file is gone: %v", err)
	}
}

func TestWriteRegions(t *testing.T) {
	p := filepath.Join(t.TempDir(), "regions.csv")
	stores, err := writeRegions(p)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(p)
	if len(stores) != len(regionTable) || !strings.Contains(string(raw), "s-01,north\n") {
		t.Fatalf("stores %v, table:\n%s", stores, raw)
	}
}
