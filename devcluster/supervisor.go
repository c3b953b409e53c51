package devcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spindlehq/spindle/internal/netns"
	"go.uber.org/zap"
)

// Restart back-off of a daemon that keeps dying, as systemd's
// Restart=always with RestartSec growing.
const (
	firstRestartDelay = time.Second
	maxRestartDelay   = 30 * time.Second
	// healthyAfter resets the back-off: a daemon that ran this long
	// before it died is restarted after firstRestartDelay again.
	healthyAfter = time.Minute
)

// errStopping: a daemon was stopped while it was being restarted.
var errStopping = errors.New("devcluster: daemon stopped")

// daemon is one supervised daemon: started again on the same addresses
// whenever it dies, as a supervisor (systemd) would.
type daemon struct {
	name string // resourcemanager, nodemanager-0, …
	role string // the spindle subcommand
	dir  string
	host *netns.Host
	// conf is its own --conf; fixed is called with its ready file once it
	// first started, to pin OS-chosen ports for the restarts.
	conf  []string
	ready func() any
	fixed func(ready any) []string

	mu        sync.Mutex
	proc      *Process
	addrs     any
	startedAt time.Time
	holdUntil time.Time
	backoff   time.Duration
	stopping  bool
	starts    int
	crashes   []string
}

// supervisor runs the cluster's daemons and restarts those that die.
type supervisor struct {
	binary       string
	env          []string
	common       []string
	startTimeout time.Duration
	stopTimeout  time.Duration
	out          io.Writer
	lg           *zap.Logger

	wg sync.WaitGroup
}

// start runs d for the first time and then watches it.
func (s *supervisor) start(ctx context.Context, d *daemon) error {
	if err := s.run(ctx, d); err != nil {
		return err
	}
	s.wg.Add(1)
	go s.watch(d)
	return nil
}

// run starts d's process and waits for its ready file.
func (s *supervisor) run(ctx context.Context, d *daemon) error {
	if err := os.MkdirAll(d.dir, 0o755); err != nil {
		return fmt.Errorf("devcluster: directory of %s: %w", d.name, err)
	}
	readyFile := filepath.Join(d.dir, "ready.json")
	if err := os.Remove(readyFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("devcluster: remove the old ready file of %s: %w", d.name, err)
	}
	d.mu.Lock()
	conf := append(append([]string{}, s.common...), d.conf...)
	d.mu.Unlock()
	args := []string{d.role, "--ready-file", readyFile}
	for _, kv := range conf {
		args = append(args, "--conf", kv)
	}
	p, err := StartProcess(d.name, s.binary, args, s.env, filepath.Join(d.dir, d.name+".out"), d.host)
	if err != nil {
		return err
	}
	ready := d.ready()
	if err := p.waitReady(ctx, readyFile, s.startTimeout, ready); err != nil {
		p.Stop(s.stopTimeout)
		return err
	}
	d.mu.Lock()
	if d.stopping {
		// Stopped while it was starting: it must not outlive the cluster.
		d.mu.Unlock()
		p.Stop(s.stopTimeout)
		return errStopping
	}
	d.proc, d.addrs, d.startedAt = p, ready, time.Now()
	d.starts++
	if d.starts == 1 && d.fixed != nil {
		d.conf = append(d.conf, d.fixed(ready)...)
	}
	d.mu.Unlock()
	s.lg.Info("daemon started", zap.String("daemon", d.name), zap.Int("pid", p.PID()))
	return nil
}

// watch restarts d each time it dies, after its back-off or hold, until
// it is stopped.
func (s *supervisor) watch(d *daemon) {
	defer s.wg.Done()
	for {
		d.mu.Lock()
		p := d.proc
		d.mu.Unlock()
		<-p.Exited()
		d.mu.Lock()
		if d.stopping {
			d.mu.Unlock()
			return
		}
		ran := time.Since(d.startedAt)
		if ran > healthyAfter || d.backoff == 0 {
			d.backoff = firstRestartDelay
		} else {
			d.backoff = min(2*d.backoff, maxRestartDelay)
		}
		at := time.Now().Add(d.backoff)
		if d.holdUntil.After(at) {
			at = d.holdUntil
		}
		crashed := p.Crashed()
		if crashed {
			d.crashes = append(d.crashes, fmt.Sprintf("%s (pid %d) exited after %v: %v", d.name, p.PID(), ran.Round(time.Millisecond), p.ExitErr()))
		}
		d.mu.Unlock()
		if crashed {
			fmt.Fprintf(s.out, "%s (pid %d) exited: %v; restarting it in %v (the end of %s:\n%s)\n",
				d.name, p.PID(), p.ExitErr(), time.Until(at).Round(100*time.Millisecond), p.LogPath(), p.Tail(1024))
		}
		for {
			if !s.sleepUnlessStopped(d, time.Until(at)) {
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), s.startTimeout)
			err := s.run(ctx, d)
			cancel()
			if err == nil {
				break
			}
			if errors.Is(err, errStopping) {
				return
			}
			s.lg.Warn("restart failed; retrying", zap.String("daemon", d.name), zap.Error(err))
			d.mu.Lock()
			d.backoff = min(2*d.backoff, maxRestartDelay)
			at = time.Now().Add(d.backoff)
			d.mu.Unlock()
		}
		if crashed {
			fmt.Fprintf(s.out, "%s restarted (pid %d)\n", d.name, d.PID())
		}
	}
}

// sleepUnlessStopped waits wait, in steps so that a stop is seen; it
// reports false once d is being stopped.
func (s *supervisor) sleepUnlessStopped(d *daemon, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for {
		d.mu.Lock()
		stopping := d.stopping
		d.mu.Unlock()
		if stopping {
			return false
		}
		left := time.Until(deadline)
		if left <= 0 {
			return true
		}
		time.Sleep(min(left, 100*time.Millisecond))
	}
}

// PID is the daemon's current process.
func (d *daemon) PID() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.proc.PID()
}

// process is the daemon's current process.
func (d *daemon) process() *Process {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.proc
}

// holdDown marks d's next exit as intended and keeps it down for at least
// hold after now.
func (d *daemon) holdDown(hold time.Duration) *Process {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.holdUntil = time.Now().Add(hold)
	d.proc.Expect()
	return d.proc
}

// stop stops d for good: SIGTERM, then its group killed after timeout.
func (s *supervisor) stop(d *daemon, ctx context.Context) error {
	d.mu.Lock()
	d.stopping = true
	p := d.proc
	d.mu.Unlock()
	done := make(chan bool, 1)
	go func() { done <- p.Stop(s.stopTimeout) }()
	select {
	case clean := <-done:
		if !clean {
			return fmt.Errorf("devcluster: %s (pid %d) did not stop within %v of SIGTERM; killed", d.name, p.PID(), s.stopTimeout)
		}
		return nil
	case <-ctx.Done():
		p.Kill()
		<-done
		return fmt.Errorf("devcluster: %s (pid %d) killed: %w", d.name, p.PID(), ctx.Err())
	}
}
