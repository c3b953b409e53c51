package launcher

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 10 * time.Second

// pollInterval is how often polling helpers re-check their condition.
const pollInterval = 5 * time.Millisecond

// newSpec returns a spec whose directories do not exist yet.
func newSpec(t *testing.T, id string, command ...string) Spec {
	t.Helper()
	root := t.TempDir()
	return Spec{
		ContainerID: id,
		WorkDir:     filepath.Join(root, "work"),
		LogDir:      filepath.Join(root, "logs"),
		Command:     command,
	}
}

// startProcess starts spec and makes sure the process is gone when the test
// ends.
func startProcess(t *testing.T, spec Spec) *Process {
	t.Helper()
	p, err := Start(context.Background(), spec, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("Start(%s): %v", spec.ContainerID, err)
	}
	t.Cleanup(func() {
		_ = p.Kill()
		select {
		case <-p.Done():
		case <-time.After(testTimeout):
			t.Errorf("container %s not done after cleanup kill", spec.ContainerID)
		}
	})
	return p
}

// waitDone waits for p to finish and returns its result.
func waitDone(t *testing.T, p *Process) Result {
	t.Helper()
	select {
	case <-p.Done():
		return p.Result()
	case <-time.After(testTimeout):
		t.Fatalf("process %d not done within %s", p.PID(), testTimeout)
		return Result{}
	}
}

// poll calls cond until it returns true or the deadline passes.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(pollInterval)
	}
}

// waitForOutput polls path until it contains want and returns its content.
func waitForOutput(t *testing.T, path, want string) string {
	t.Helper()
	var content string
	poll(t, want+" in "+path, func() bool {
		b, err := os.ReadFile(path)
		content = string(b)
		return err == nil && strings.Contains(content, want)
	})
	return content
}

// readPIDLine waits for the first complete line of path and parses it as a
// pid.
func readPIDLine(t *testing.T, path string) int {
	t.Helper()
	content := waitForOutput(t, path, "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(content, "\n", 2)[0]))
	if err != nil {
		t.Fatalf("parse pid from %q: %v", content, err)
	}
	return pid
}

// processGone reports whether pid no longer runs. A zombie counts as gone:
// it has exited and only waits for a parent outside this test to reap it.
func processGone(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if errors.Is(err, os.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses and may
	// itself contain them.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	state := stat[i+2]
	return state == 'Z' || state == 'X'
}

// recordingWriter is an io.WriteCloser that keeps what it is given and
// counts Close calls.
type recordingWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	closes int
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *recordingWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closes++
	return nil
}

func (w *recordingWriter) snapshot() (string, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String(), w.closes
}

// fakeClock is a settable clock for the Deleter.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
