package launcher

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestStopKillsProcessIgnoringTERM(t *testing.T) {
	t.Parallel()
	// The ignored disposition survives exec, so sleep ignores TERM too.
	spec := newSpec(t, "c_ignore_term", "/bin/sh", "-c", "trap '' TERM; echo ready; exec sleep 30")
	p := startProcess(t, spec)
	waitForOutput(t, filepath.Join(spec.LogDir, "stdout"), "ready")

	const grace = 300 * time.Millisecond
	begin := time.Now()
	res := p.Stop(context.Background(), grace)
	elapsed := time.Since(begin)
	if res.ExitCode != 137 || res.Signal != "SIGKILL" {
		t.Fatalf("Stop() = %+v, want 137 SIGKILL", res)
	}
	if elapsed < grace {
		t.Errorf("Stop() returned after %s, before the %s grace period", elapsed, grace)
	}
}

func TestStopLetsProcessHandleTERM(t *testing.T) {
	t.Parallel()
	spec := newSpec(t, "c_handle_term", "/bin/sh", "-c", "trap 'exit 7' TERM; echo ready; sleep 30 & wait")
	p := startProcess(t, spec)
	waitForOutput(t, filepath.Join(spec.LogDir, "stdout"), "ready")

	const grace = 20 * time.Second
	begin := time.Now()
	res := p.Stop(context.Background(), grace)
	if res.ExitCode != 7 || res.Signal != "" {
		t.Fatalf("Stop() = %+v, want the handler's exit code 7", res)
	}
	if elapsed := time.Since(begin); elapsed >= grace/2 {
		t.Errorf("Stop() took %s; the TERM handler should have ended it well before the grace period", elapsed)
	}
}

func TestStopKillsWhenContextEnds(t *testing.T) {
	t.Parallel()
	spec := newSpec(t, "c_stop_ctx", "/bin/sh", "-c", "trap '' TERM; echo ready; exec sleep 30")
	p := startProcess(t, spec)
	waitForOutput(t, filepath.Join(spec.LogDir, "stdout"), "ready")

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	begin := time.Now()
	res := p.Stop(ctx, time.Hour)
	if res.ExitCode != 137 {
		t.Fatalf("Stop() = %+v, want 137", res)
	}
	if elapsed := time.Since(begin); elapsed > testTimeout {
		t.Errorf("Stop() took %s, want it to end soon after its context", elapsed)
	}
}

func TestStopKillsGrandchildren(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		script   string
		wantCode int
	}{
		// The group-wide SIGTERM reaches the background sleep.
		{name: "grandchild handles TERM", script: "sleep 30 & echo $!; wait", wantCode: 143},
		// The sleep ignores TERM and outlives the shell; the group sweep
		// after the shell's exit kills it.
		{name: "grandchild ignores TERM", script: "(trap '' TERM; exec sleep 30) & echo $!; wait", wantCode: 143},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := newSpec(t, "c_grandchild", "/bin/sh", "-c", tt.script)
			p := startProcess(t, spec)
			pid := readPIDLine(t, filepath.Join(spec.LogDir, "stdout"))
			if processGone(pid) {
				t.Fatalf("grandchild %d not running before Stop", pid)
			}
			if res := p.Stop(context.Background(), 5*time.Second); res.ExitCode != tt.wantCode {
				t.Fatalf("Stop() = %+v, want %d", res, tt.wantCode)
			}
			poll(t, "grandchild to be gone", func() bool { return processGone(pid) })
		})
	}
}

func TestLeftoversKilledWhenMainProcessExits(t *testing.T) {
	t.Parallel()
	spec := newSpec(t, "c_leftover", "/bin/sh", "-c", "(trap '' TERM HUP; exec sleep 30) >/dev/null 2>&1 & echo $!")
	p := startProcess(t, spec)
	if res := waitDone(t, p); res.ExitCode != 0 {
		t.Fatalf("Result() = %+v, want 0", res)
	}
	pid := readPIDLine(t, filepath.Join(spec.LogDir, "stdout"))
	poll(t, "leftover to be gone", func() bool { return processGone(pid) })
}

func TestStopConcurrentAndRepeated(t *testing.T) {
	t.Parallel()
	p := startProcess(t, newSpec(t, "c_concurrent", "sleep", "30"))

	results := make([]Result, 4)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { results[i] = p.Stop(context.Background(), 5*time.Second) })
	}
	wg.Wait()
	for i, res := range results {
		if res.ExitCode != 143 || res.Signal != "SIGTERM" {
			t.Errorf("Stop() #%d = %+v, want 143 SIGTERM", i, res)
		}
	}
	if res := p.Stop(context.Background(), time.Second); res != results[0] {
		t.Errorf("Stop() after exit = %+v, want %+v", res, results[0])
	}
	if err := p.Signal(syscall.SIGTERM); !errors.Is(err, ErrProcessFinished) {
		t.Errorf("Signal() after exit = %v, want ErrProcessFinished", err)
	}
	if err := p.Kill(); !errors.Is(err, ErrProcessFinished) {
		t.Errorf("Kill() after exit = %v, want ErrProcessFinished", err)
	}
}

func TestSignalReachesTheGroup(t *testing.T) {
	t.Parallel()
	// Only a group-wide signal reaches the subshell; without it the
	// subshell loops on and the second wait never returns.
	script := "trap 'echo leader-got-usr1' USR1; " +
		"(trap 'echo child-got-usr1; exit 0' USR1; echo ready; while :; do sleep 0.05; done) & " +
		"wait; wait"
	spec := newSpec(t, "c_signal", "/bin/sh", "-c", script)
	p := startProcess(t, spec)
	stdout := filepath.Join(spec.LogDir, "stdout")
	waitForOutput(t, stdout, "ready")
	if err := p.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if res := waitDone(t, p); res.ExitCode != 0 || res.Signal != "" {
		t.Fatalf("Result() = %+v, want a clean exit once both handlers ran", res)
	}
	out := waitForOutput(t, stdout, "child-got-usr1")
	if !strings.Contains(out, "leader-got-usr1") {
		t.Errorf("stdout = %q, want the leader's handler to have run too", out)
	}
}
