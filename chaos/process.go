package chaos

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
)

// process is a child of the run: a daemon or `spindle submit`, its stdout
// and stderr appended to a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	err     error // how it exited, set before exited is closed
	// killed is set when the run killed or stopped it, so that any other
	// exit is a crash.
	killed atomic.Bool
}

// startProcess runs binary with args and env (added to the run's own),
// its output appended to logPath.
func startProcess(name, binary string, args, env []string, logPath string) (*process, error) {
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("chaos: log of %s: %w", name, err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("chaos: start %s (%s): %w", name, binary, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		out.Close()
		close(p.exited)
	}()
	return p, nil
}

// PID is the process id.
func (p *process) PID() int { return p.cmd.Process.Pid }

// Exited is closed once the process has exited.
func (p *process) Exited() <-chan struct{} { return p.exited }

// crashed reports whether the process exited without the run killing or
// stopping it.
func (p *process) crashed() bool {
	select {
	case <-p.exited:
		return !p.killed.Load()
	default:
		return false
	}
}

// waitReady waits until the process has written readyFile and decodes it
// into v.
func (p *process) waitReady(ctx context.Context, readyFile string, timeout time.Duration, v any) error {
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
			return fmt.Errorf("%w: %s exited while starting (%v); the end of %s:\n%s", ErrDaemonExited, p.name, p.err, p.logPath, p.tail(2048))
		case <-deadline.C:
			return fmt.Errorf("chaos: %s did not write %s within %v; the end of %s:\n%s", p.name, readyFile, timeout, p.logPath, p.tail(2048))
		case <-ctx.Done():
			return fmt.Errorf("chaos: waiting for %s: %w", p.name, ctx.Err())
		case <-tick.C:
		}
	}
}

// kill sends SIGKILL to the process alone (not its group, so that a
// NodeManager's containers die as they do in production: by the kernel's
// parent-death signal) and waits for it to exit.
func (p *process) kill() {
	p.killed.Store(true)
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop sends SIGTERM and waits up to timeout for the process to exit, then
// kills its process group. It reports whether the process exited by itself.
func (p *process) stop(timeout time.Duration) bool {
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

// tail returns up to n bytes of the end of the process's log, from a line
// start.
func (p *process) tail(n int) string {
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
