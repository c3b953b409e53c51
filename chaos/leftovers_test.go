package chaos

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReapLeftovers: a process running a program from under the directory
// is found and killed once the grace is over; one that exits within the
// grace is not reported.
func TestReapLeftovers(t *testing.T) {
	sleepBin, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	prog := filepath.Join(dir, "container", "retail")
	if err := os.MkdirAll(filepath.Dir(prog), 0o755); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(sleepBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(prog, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	orphan := exec.Command(prog, "60")
	short := exec.Command(prog, "0.2")
	for _, c := range []*exec.Cmd{orphan, short} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		go c.Wait()
	}
	t.Cleanup(func() { orphan.Process.Kill() })
	if got := findLeftovers(dir); len(got) != 2 || got[orphan.Process.Pid] != prog {
		t.Fatalf("findLeftovers = %v, want both processes", got)
	}
	if got := findLeftovers(t.TempDir()); len(got) != 0 {
		t.Fatalf("findLeftovers of another directory = %v", got)
	}
	left := reapLeftovers(dir, time.Second)
	if len(left) != 1 || !strings.Contains(left[0], prog) || !strings.Contains(left[0], "pid ") {
		t.Fatalf("reapLeftovers = %v, want only the long-running process", left)
	}
	deadline := time.Now().Add(5 * time.Second)
	// Wait reaps it; until then it is a zombie that signal 0 still finds.
	for !errors.Is(syscall.Kill(orphan.Process.Pid, 0), syscall.ESRCH) {
		if time.Now().After(deadline) {
			t.Fatal("the leftover process was not killed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
