package testutil

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/netns"
)

// Daemon is a spindle daemon running as its own OS process.
type Daemon struct {
	tb        testing.TB
	Name      string
	args      []string
	readyFile string
	logPath   string
	cmd       *exec.Cmd
	exited    chan struct{}
	// host runs the daemon in a test host; nil runs it here.
	host *netns.Host
	// onReady, when set, runs after every start once the ready file is
	// written: the cluster learns the daemon's new addresses.
	onReady func(*Daemon)
}

// StartDaemon runs `spindle <args…> --ready-file F` and waits until the
// daemon has written its addresses.
func StartDaemon(tb testing.TB, name string, args ...string) *Daemon {
	tb.Helper()
	return StartDaemonOn(tb, nil, name, args...)
}

// StartDaemonOn is StartDaemon in the test host h (nil: here).
func StartDaemonOn(tb testing.TB, h *netns.Host, name string, args ...string) *Daemon {
	tb.Helper()
	dir := tb.TempDir()
	d := &Daemon{
		tb:        tb,
		host:      h,
		Name:      name,
		args:      args,
		readyFile: filepath.Join(dir, "ready.json"),
		logPath:   filepath.Join(dir, "output.log"),
	}
	d.start()
	tb.Cleanup(func() {
		d.Kill()
		if tb.Failed() {
			tb.Logf("--- %s output (last 4 KiB) ---\n%s", d.Name, d.Tail(4096))
		}
	})
	return d
}

func (d *Daemon) start() {
	d.tb.Helper()
	os.Remove(d.readyFile)
	out, err := os.OpenFile(d.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		d.tb.Fatal(err)
	}
	args := append(append([]string{}, d.args...), "--ready-file", d.readyFile)
	if d.host != nil {
		d.cmd = d.host.Command(SpindleBinary(d.tb), args...)
	} else {
		d.cmd = exec.Command(SpindleBinary(d.tb), args...)
	}
	d.cmd.Stdout, d.cmd.Stderr = out, out
	if err := d.cmd.Start(); err != nil {
		out.Close()
		d.tb.Fatalf("start %s: %v", d.Name, err)
	}
	d.exited = make(chan struct{})
	go func() {
		d.cmd.Wait()
		out.Close()
		close(d.exited)
	}()
	WaitFor(d.tb, 20*time.Second, func() (bool, string) {
		select {
		case <-d.exited:
			d.tb.Fatalf("%s exited during start-up:\n%s", d.Name, d.Tail(4096))
		default:
		}
		_, err := os.Stat(d.readyFile)
		return err == nil, fmt.Sprintf("%s has not written %s", d.Name, d.readyFile)
	})
	if d.onReady != nil {
		d.onReady(d)
	}
}

// Ready decodes the daemon's ready file into v.
func (d *Daemon) Ready(v any) {
	d.tb.Helper()
	raw, err := os.ReadFile(d.readyFile)
	if err != nil {
		d.tb.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		d.tb.Fatalf("%s ready file: %v", d.Name, err)
	}
}

// PID is the daemon's process id.
func (d *Daemon) PID() int { return d.cmd.Process.Pid }

// Kill sends SIGKILL and waits for the process to end.
func (d *Daemon) Kill() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.exited
}

// Stop sends SIGTERM and waits for a clean exit.
func (d *Daemon) Stop() {
	d.tb.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		d.tb.Fatalf("%s did not exit within 30 s of SIGTERM", d.Name)
	}
}

// Restart starts the daemon again with the same arguments.
func (d *Daemon) Restart(extraArgs ...string) {
	d.tb.Helper()
	d.args = append(d.args, extraArgs...)
	d.start()
}

// Tail returns up to n bytes of the end of the daemon's output.
func (d *Daemon) Tail(n int) string {
	raw, err := os.ReadFile(d.logPath)
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	if len(raw) > n {
		raw = raw[len(raw)-n:]
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	return string(raw)
}
