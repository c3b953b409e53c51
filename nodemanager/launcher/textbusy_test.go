package launcher

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// An executable still open for writing fails to exec with ETXTBSY; startCmd
// must retry once the writer is gone instead of failing the container.
func TestStartCmdRetriesTextBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prog.sh")
	w, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteString("#!/bin/sh\nexit 0\n"); err != nil {
		t.Fatal(err)
	}
	calls := 0
	newCmd := func() *exec.Cmd {
		calls++
		if calls == 2 {
			// The writer closes between the first and the second attempt.
			w.Close()
		}
		return exec.Command(path)
	}
	cmd, err := startCmd(context.Background(), newCmd)
	if err != nil {
		t.Fatalf("start after the writer closed: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("wait: %v", err)
	}
	if calls < 2 {
		t.Fatalf("first attempt did not meet ETXTBSY (calls=%d); the test no longer exercises the retry", calls)
	}
}

// A writer that never closes makes startCmd give up with ETXTBSY, not hang.
func TestStartCmdGivesUpOnPersistentTextBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prog.sh")
	w, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_, err = startCmd(context.Background(), func() *exec.Cmd { return exec.Command(path) })
	if !errors.Is(err, syscall.ETXTBSY) {
		t.Fatalf("err = %v, want ETXTBSY", err)
	}
}
