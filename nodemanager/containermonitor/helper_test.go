package containermonitor

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary re-executes itself as a container process: with
// helperModeEnv set, TestHelperProcess becomes the process's whole program.
const (
	helperModeEnv = "CONTAINERMONITOR_TEST_HELPER"
	helperMiBEnv  = "CONTAINERMONITOR_TEST_HELPER_MIB"

	// helperAlloc touches helperMiBEnv MiB, prints "ready" and blocks.
	helperAlloc = "alloc"
	// helperTree starts a helperAlloc child, prints "ready <child pid>"
	// once the child is ready, and blocks, allocating nothing itself.
	helperTree = "tree"
	// helperIdle prints "ready" and blocks without allocating.
	helperIdle = "idle"

	helperReadyTimeout = 20 * time.Second
)

// TestHelperProcess is not a test: it is the body of the helper processes
// started by startHelper, and does nothing in a normal test run.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperModeEnv)
	if mode == "" {
		return
	}
	mib, err := strconv.Atoi(os.Getenv(helperMiBEnv))
	if err != nil {
		mib = 0
	}
	switch mode {
	case helperAlloc:
		os.Exit(runAllocHelper(mib))
	case helperTree:
		os.Exit(runTreeHelper(mib))
	case helperIdle:
		os.Exit(runAllocHelper(0))
	}
	fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
	os.Exit(2)
}

// runAllocHelper writes to every page of a mib MiB buffer so that it is
// resident, reports ready and blocks until stdin closes (the test ended) or
// it is killed.
func runAllocHelper(mib int) int {
	buf := make([]byte, mib<<20)
	page := os.Getpagesize()
	for i := 0; i < len(buf); i += page {
		buf[i] = 1
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	runtime.KeepAlive(buf)
	return 0
}

func runTreeHelper(mib int) int {
	cmd := helperCommand(helperAlloc, mib)
	// The child's stdin closes when this process dies, so it never
	// outlives the tree.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := waitReadyLine(bufio.NewReader(out)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("ready %d\n", cmd.Process.Pid)
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = stdin.Close()
	_ = cmd.Wait()
	return 0
}

func helperCommand(mode string, mib int) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperModeEnv+"="+mode, helperMiBEnv+"="+strconv.Itoa(mib))
	return cmd
}

// waitReadyLine reads lines until one starts with "ready" and returns the
// rest of it.
func waitReadyLine(r *bufio.Reader) (string, error) {
	for {
		line, err := r.ReadString('\n')
		if strings.HasPrefix(line, "ready") {
			return strings.TrimSpace(strings.TrimPrefix(line, "ready")), nil
		}
		if err != nil {
			return "", fmt.Errorf("helper exited before ready: %w", err)
		}
	}
}

// helper is a running helper process tree.
type helper struct {
	pid      int // the root, leader of its own process group like a container
	childPID int // the allocating child, for helperTree
	done     chan struct{}
}

// startHelper starts a helper in its own process group, waits until it has
// touched its memory and kills the group when the test ends.
func startHelper(t *testing.T, mode string, mib int) *helper {
	t.Helper()
	cmd := helperCommand(mode, mib)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("stdin pipe: %v", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("stdout pipe: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper %s: %v", mode, err)
	}
	h := &helper{pid: cmd.Process.Pid, done: make(chan struct{})}
	t.Cleanup(func() {
		// Killing twice is harmless: a test may have killed it already.
		h.kill(t)
		_ = stdin.Close()
	})
	go func() {
		_ = cmd.Wait()
		close(h.done)
	}()

	type result struct {
		rest string
		err  error
	}
	ready := make(chan result, 1)
	go func() {
		rest, err := waitReadyLine(bufio.NewReader(out))
		ready <- result{rest, err}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case r := <-ready:
		if r.err != nil {
			t.Fatalf("helper %s (pid %d): %v", mode, h.pid, r.err)
		}
		if mode == helperTree {
			h.childPID, err = strconv.Atoi(r.rest)
			if err != nil {
				t.Fatalf("helper %s (pid %d) printed %q, want ready <pid>", mode, h.pid, r.rest)
			}
		}
	case <-time.After(helperReadyTimeout):
		t.Fatalf("helper %s (pid %d) not ready after %s", mode, h.pid, helperReadyTimeout)
	}
	return h
}

// kill kills the helper's process group and waits until the root is reaped,
// so its pid is gone from /proc when kill returns.
func (h *helper) kill(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-h.pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		t.Errorf("kill process group %d: %v", h.pid, err)
	}
	select {
	case <-h.done:
	case <-time.After(helperReadyTimeout):
		t.Errorf("helper %d still running %s after SIGKILL", h.pid, helperReadyTimeout)
	}
}

// processRSS reads one process's RSS in bytes straight from /proc.
func processRSS(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("read stat of %d: %v", pid, err)
	}
	st, err := parseStat(data)
	if err != nil {
		t.Fatalf("parse stat of %d: %v", pid, err)
	}
	return st.RSSPages * int64(os.Getpagesize())
}
