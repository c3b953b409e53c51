package launcher

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

func TestStartExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		command    []string
		wantCode   int
		wantSignal string
	}{
		{name: "true", command: []string{"true"}, wantCode: 0},
		{name: "false", command: []string{"false"}, wantCode: 1},
		{name: "exit 3", command: []string{"/bin/sh", "-c", "exit 3"}, wantCode: 3},
		{name: "killed by SIGKILL", command: []string{"/bin/sh", "-c", "kill -KILL $$"}, wantCode: 137, wantSignal: "SIGKILL"},
		{name: "killed by SIGTERM", command: []string{"/bin/sh", "-c", "kill -TERM $$"}, wantCode: 143, wantSignal: "SIGTERM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := startProcess(t, newSpec(t, "c_"+tt.name, tt.command...))
			res := waitDone(t, p)
			if res.ExitCode != tt.wantCode || res.Signal != tt.wantSignal || res.Err != nil {
				t.Fatalf("Result() = %+v, want ExitCode %d Signal %q Err nil", res, tt.wantCode, tt.wantSignal)
			}
		})
	}
}

func TestStartEnvironmentWorkDirAndLogs(t *testing.T) {
	// t.Setenv: this test changes the NodeManager environment the child
	// inherits, so it cannot run in parallel.
	t.Setenv("SPINDLE_LAUNCHER_INHERITED", "from-nm")
	t.Setenv("SPINDLE_LAUNCHER_OVERRIDE", "from-nm")

	spec := newSpec(t, "container_1_0001_01_000001", "/bin/sh", "-c", strings.Join([]string{
		`echo "id=$CONTAINER_ID"`,
		`echo "inherited=$SPINDLE_LAUNCHER_INHERITED"`,
		`echo "override=$SPINDLE_LAUNCHER_OVERRIDE"`,
		`echo "pwd=$PWD"`,
		`echo "logdirs=$LOG_DIRS"`,
		`echo "cwd=$(pwd -P)"`,
		`echo "to-stderr" >&2`,
	}, "; "))
	spec.Env = map[string]string{
		"CONTAINER_ID":              spec.ContainerID,
		"SPINDLE_LAUNCHER_OVERRIDE": "from-spec",
		// The launcher owns these two, as YARN does.
		"PWD":      "/not/the/workdir",
		"LOG_DIRS": "/not/the/logdir",
	}
	p := startProcess(t, spec)
	if p.PID() <= 0 {
		t.Errorf("PID() = %d, want > 0", p.PID())
	}
	if p.StartedAt().IsZero() || time.Since(p.StartedAt()) > testTimeout {
		t.Errorf("StartedAt() = %v, want just now", p.StartedAt())
	}
	if res := waitDone(t, p); res.ExitCode != 0 || res.Err != nil {
		t.Fatalf("Result() = %+v, want success", res)
	}

	realWork, err := filepath.EvalSymlinks(spec.WorkDir)
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := os.ReadFile(filepath.Join(spec.LogDir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"id=" + spec.ContainerID,
		"inherited=from-nm",
		"override=from-spec",
		"pwd=" + spec.WorkDir,
		"logdirs=" + spec.LogDir,
		"cwd=" + realWork,
	}, "\n") + "\n"
	if string(stdout) != want {
		t.Errorf("stdout =\n%s\nwant\n%s", stdout, want)
	}
	stderr, err := os.ReadFile(filepath.Join(spec.LogDir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	if string(stderr) != "to-stderr\n" {
		t.Errorf("stderr = %q, want %q", stderr, "to-stderr\n")
	}

	for path, mode := range map[string]os.FileMode{
		spec.WorkDir:                         0o750,
		spec.LogDir:                          0o750,
		filepath.Join(spec.LogDir, "stdout"): 0o640,
		filepath.Join(spec.LogDir, "stderr"): 0o640,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("mode of %s = %v, want %v", path, fi.Mode().Perm(), mode)
		}
	}
}

func TestStartUsesGivenWriters(t *testing.T) {
	t.Parallel()
	t.Run("separate", func(t *testing.T) {
		t.Parallel()
		spec := newSpec(t, "c_writers", "/bin/sh", "-c", "echo out; echo err >&2")
		stdout, stderr := &recordingWriter{}, &recordingWriter{}
		spec.Stdout, spec.Stderr = stdout, stderr
		p := startProcess(t, spec)
		if res := waitDone(t, p); res.ExitCode != 0 || res.Err != nil {
			t.Fatalf("Result() = %+v, want success", res)
		}
		if got, closes := stdout.snapshot(); got != "out\n" || closes != 1 {
			t.Errorf("stdout writer = %q closed %d times, want %q closed once", got, closes, "out\n")
		}
		if got, closes := stderr.snapshot(); got != "err\n" || closes != 1 {
			t.Errorf("stderr writer = %q closed %d times, want %q closed once", got, closes, "err\n")
		}
		if _, err := os.Stat(filepath.Join(spec.LogDir, "stdout")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("LogDir/stdout created although a writer was given: %v", err)
		}
	})
	t.Run("shared", func(t *testing.T) {
		t.Parallel()
		spec := newSpec(t, "c_shared", "/bin/sh", "-c", "echo out; echo err >&2")
		w := &recordingWriter{}
		spec.Stdout, spec.Stderr = w, w
		p := startProcess(t, spec)
		if res := waitDone(t, p); res.ExitCode != 0 || res.Err != nil {
			t.Fatalf("Result() = %+v, want success", res)
		}
		if got, closes := w.snapshot(); got != "out\nerr\n" || closes != 1 {
			t.Errorf("shared writer = %q closed %d times, want %q closed once", got, closes, "out\nerr\n")
		}
	})
}

func TestStartResolvesCommandWithSpecPath(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	tool := "spindle-launcher-test-tool"
	if err := os.WriteFile(filepath.Join(bin, tool), []byte("#!/bin/sh\necho tool ran\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	spec := newSpec(t, "c_path", tool)
	spec.Env = map[string]string{"PATH": bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	p := startProcess(t, spec)
	if res := waitDone(t, p); res.ExitCode != 0 {
		t.Fatalf("Result() = %+v, want success", res)
	}
	if out, _ := os.ReadFile(filepath.Join(spec.LogDir, "stdout")); string(out) != "tool ran\n" {
		t.Errorf("stdout = %q, want %q", out, "tool ran\n")
	}

	// Without the spec's PATH the NodeManager's PATH is searched.
	_, err := Start(context.Background(), newSpec(t, "c_nopath", tool), zaptest.NewLogger(t))
	if !errors.Is(err, exec.ErrNotFound) {
		t.Fatalf("Start without spec PATH: err = %v, want ErrNotFound", err)
	}
}

func TestStartRelativeCommandRunsFromWorkDir(t *testing.T) {
	t.Parallel()
	spec := newSpec(t, "c_relative", "./launch_container.sh")
	if err := os.MkdirAll(spec.WorkDir, 0o750); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(spec.WorkDir, "launch_container.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nexit 4\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if res := waitDone(t, startProcess(t, spec)); res.ExitCode != 4 {
		t.Fatalf("Result() = %+v, want ExitCode 4 from the work dir's script", res)
	}
}

func TestStartFailures(t *testing.T) {
	t.Parallel()
	notExec := filepath.Join(t.TempDir(), "not-executable.sh")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name    string
		ctx     context.Context
		command []string
		wantErr error
	}{
		{name: "missing binary in PATH", ctx: context.Background(), command: []string{"spindle-no-such-binary"}, wantErr: exec.ErrNotFound},
		{name: "missing absolute path", ctx: context.Background(), command: []string{"/nonexistent/spindle-bin"}, wantErr: fs.ErrNotExist},
		{name: "not executable", ctx: context.Background(), command: []string{notExec}, wantErr: fs.ErrPermission},
		{name: "empty command", ctx: context.Background(), command: nil, wantErr: ErrInvalidSpec},
		{name: "cancelled context", ctx: cancelled, command: []string{"true"}, wantErr: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := newSpec(t, "container_fail_01", tt.command...)
			w := &recordingWriter{}
			spec.Stdout = w
			p, err := Start(tt.ctx, spec, zaptest.NewLogger(t))
			if err == nil {
				_ = p.Kill()
				<-p.Done()
				t.Fatalf("Start(%q) succeeded, want error", tt.command)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Start(%q) = %v, want %v", tt.command, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), spec.ContainerID) {
				t.Errorf("error %q does not name container %s", err, spec.ContainerID)
			}
			if len(tt.command) > 0 && !strings.Contains(err.Error(), tt.command[0]) {
				t.Errorf("error %q does not name command %s", err, tt.command[0])
			}
			if _, closes := w.snapshot(); closes != 1 {
				t.Errorf("given stdout closed %d times, want once", closes)
			}
		})
	}
}

func TestProcessOutlivesStartContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	spec := newSpec(t, "c_outlive", "/bin/sh", "-c", "sleep 0.3; echo alive")
	p, err := Start(ctx, spec, zaptest.NewLogger(t))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	res := waitDone(t, p)
	if res.ExitCode != 0 || res.Signal != "" {
		t.Fatalf("Result() = %+v, want a clean exit after the start context ended", res)
	}
	if out, _ := os.ReadFile(filepath.Join(spec.LogDir, "stdout")); string(out) != "alive\n" {
		t.Errorf("stdout = %q, want %q", out, "alive\n")
	}
}

func TestResultBeforeDone(t *testing.T) {
	t.Parallel()
	p := startProcess(t, newSpec(t, "c_running", "sleep", "30"))
	if res := p.Result(); res.ExitCode != -1 || !errors.Is(res.Err, ErrRunning) {
		t.Fatalf("Result() while running = %+v, want ExitCode -1 and ErrRunning", res)
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	if res := waitDone(t, p); res.ExitCode != 137 || res.Err != nil {
		t.Fatalf("Result() after Kill = %+v, want 137", res)
	}
}
