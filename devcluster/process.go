package devcluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// process is a child of the dev cluster: a daemon or `spindle submit`,
// with its stdout and stderr in a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	err     error // the exit error, set before exited is closed
}

// startProcess runs binary with args, its output appended to logPath.
func startProcess(name, binary string, args []string, logPath string) (*process, error) {
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("devcluster: log of %s: %w", name, err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("devcluster: start %s (%s): %w", name, binary, err)
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

// ExitErr is how the process exited (nil for status 0); valid once Exited
// is closed.
func (p *process) ExitErr() error { return p.err }

// waitReady waits until the process has written its ready file and decodes
// it into v.
func (p *process) waitReady(ctx context.Context, readyFile string, timeout time.Duration, v any) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if raw, err := os.ReadFile(readyFile); err == nil {
			if err := json.Unmarshal(raw, v); err != nil {
				return fmt.Errorf("devcluster: ready file %s of %s: %w", readyFile, p.name, err)
			}
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%w: %s exited while starting (%v); the end of %s:\n%s", ErrDaemonExited, p.name, p.err, p.logPath, p.tail(2048))
		case <-deadline.C:
			return fmt.Errorf("devcluster: %s did not serve within %v; the end of %s:\n%s", p.name, timeout, p.logPath, p.tail(2048))
		case <-ctx.Done():
			return fmt.Errorf("devcluster: waiting for %s: %w", p.name, ctx.Err())
		case <-tick.C:
		}
	}
}

// stop sends SIGTERM and waits up to timeout for the process to exit, then
// kills its process group. It reports whether the process exited by itself.
func (p *process) stop(timeout time.Duration) bool {
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
		p.kill()
		return false
	}
}

// kill sends SIGKILL to the process group and waits for the process.
func (p *process) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	syscall.Kill(-p.PID(), syscall.SIGKILL)
	<-p.exited
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
