package devcluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spindlehq/spindle/internal/netns"
)

// Process is a child of the cluster: a daemon or `spindle submit`, its
// stdout and stderr appended to a log file, started in its own process
// group (a terminal's Ctrl-C reaches only the cluster's owner) and killed
// by the kernel if its owner dies first.
type Process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	err     error // how it exited, set before exited is closed
	// killed is set when the owner killed or stopped it, so that any
	// other exit is a crash.
	killed atomic.Bool
}

// StartProcess runs binary with args and env (added to this process's
// own) as name, on host h (nil: here), its output appended to logPath.
func StartProcess(name, binary string, args, env []string, logPath string, h *netns.Host) (*Process, error) {
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("devcluster: log of %s: %w", name, err)
	}
	var cmd *exec.Cmd
	if h != nil {
		// `ip netns exec` execs the binary in place: the pid is its.
		cmd = h.Command(binary, args...)
	} else {
		cmd = exec.Command(binary, args...)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("devcluster: start %s (%s): %w", name, binary, err)
	}
	p := &Process{name: name, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		out.Close()
		close(p.exited)
	}()
	return p, nil
}

// Name is what the process is.
func (p *Process) Name() string { return p.name }

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// LogPath is the file its output goes to.
func (p *Process) LogPath() string { return p.logPath }

// Exited is closed once the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// ExitErr is how the process exited (nil for status 0); valid once Exited
// is closed.
func (p *Process) ExitErr() error { return p.err }

// Crashed reports whether the process exited without its owner killing or
// stopping it.
func (p *Process) Crashed() bool {
	select {
	case <-p.exited:
		return !p.killed.Load()
	default:
		return false
	}
}

// Expect marks the process's coming exit as intended (a fault the owner
// injects, such as its host crashing), so that it is no crash.
func (p *Process) Expect() { p.killed.Store(true) }

// waitReady waits until the process has written readyFile and decodes it
// into v.
func (p *Process) waitReady(ctx context.Context, readyFile string, timeout time.Duration, v any) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if raw, err := os.ReadFile(readyFile); err == nil && len(raw) > 0 {
			if err := json.Unmarshal(raw, v); err == nil {
				return nil
			}
			// Read while being written: try again.
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%w: %s exited while starting (%v); the end of %s:\n%s", ErrDaemonExited, p.name, p.err, p.logPath, p.Tail(2048))
		case <-deadline.C:
			return fmt.Errorf("devcluster: %s did not write %s within %v; the end of %s:\n%s", p.name, readyFile, timeout, p.logPath, p.Tail(2048))
		case <-ctx.Done():
			return fmt.Errorf("devcluster: waiting for %s: %w", p.name, ctx.Err())
		case <-tick.C:
		}
	}
}

// Kill sends SIGKILL to the process alone (not its group, so that a
// NodeManager's containers die as they do in production: by the kernel's
// parent-death signal) and waits for it to exit.
func (p *Process) Kill() {
	p.killed.Store(true)
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// Stop sends SIGTERM and waits up to timeout for the process to exit, then
// kills its process group. It reports whether the process exited by
// itself.
func (p *Process) Stop(timeout time.Duration) bool {
	p.killed.Store(true)
	select {
	case <-p.exited:
		return true
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return true
	case <-time.After(timeout):
		syscall.Kill(-p.PID(), syscall.SIGKILL)
		<-p.exited
		return false
	}
}

// Tail returns up to n bytes of the end of the process's log, from a line
// start.
func (p *Process) Tail(n int) string {
	raw, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	if len(raw) > n {
		raw = raw[len(raw)-n:]
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	return strings.TrimRight(string(raw), "\n")
}
