package scripts

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// result is how a script run ended.
type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

// run runs a script of this directory with env added.
func run(t *testing.T, script string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run %s: %v", script, err)
	}
	return res
}

func TestSupervise(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		command   string // bash; $RUNS is a file it appends a line to per run
		wantCode  int
		wantRuns  int
		wantLines []string
	}{
		{"restarts until success", []string{"--backoff", "0"}, `echo run >>"$RUNS"; [ "$(wc -l <"$RUNS")" -ge 3 ]`, 0, 3,
			[]string{"restart 1 of 10 this hour in 0s", "restart 2 of 10 this hour in 0s", "exited with status 0: done"}},
		{"budget per hour", []string{"--backoff", "0", "--max-restarts", "2"}, `echo run >>"$RUNS"; exit 3`, 3, 3,
			[]string{"exited with status 3", "2 restarts within the last hour reach --max-restarts 2: giving up"}},
		{"backoff doubles up to the maximum", []string{"--backoff", "1", "--max-backoff", "1", "--max-restarts", "2"}, `echo run >>"$RUNS"; exit 1`, 1, 3,
			[]string{"restart 1 of 2 this hour in 1s", "restart 2 of 2 this hour in 1s"}},
		{"a signalled command is restarted", []string{"--backoff", "0", "--max-restarts", "1"}, `echo run >>"$RUNS"; kill -KILL $$`, 137, 2,
			[]string{"exited with status 137"}},
		{"success at once", nil, `echo run >>"$RUNS"`, 0, 1, []string{"done"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs := filepath.Join(t.TempDir(), "runs")
			res := run(t, "spindle-supervise.sh", []string{"RUNS=" + runs}, append(tt.args, "--", "bash", "-c", tt.command)...)
			if res.code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s", res.code, tt.wantCode, res.stderr)
			}
			raw, _ := os.ReadFile(runs)
			if n := strings.Count(string(raw), "run\n"); n != tt.wantRuns {
				t.Errorf("%d runs, want %d\n%s", n, tt.wantRuns, res.stderr)
			}
			for _, l := range tt.wantLines {
				if !strings.Contains(res.stderr, l) {
					t.Errorf("output lacks %q:\n%s", l, res.stderr)
				}
			}
		})
	}
	// Two waits of one second each, not 1 then 2.
	t.Run("backoff is waited", func(t *testing.T) {
		res := run(t, "spindle-supervise.sh", nil, "--backoff", "1", "--max-restarts", "1", "--", "false")
		if res.elapsed < time.Second {
			t.Fatalf("one restart after a 1 s backoff took %v", res.elapsed)
		}
	})
}

func TestSupervisePassesSIGTERM(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	cmd := exec.Command("bash", "spindle-supervise.sh", "--", "bash", "-c", `echo $$ >"$0"; exec sleep 30`, pidFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var child int
	deadline := time.Now().Add(10 * time.Second)
	for child == 0 {
		raw, _ := os.ReadFile(pidFile)
		child, _ = strconv.Atoi(strings.TrimSpace(string(raw)))
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the supervised command did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 143 {
			t.Fatalf("supervisor exited %v after SIGTERM, want status 143 (the command's)\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("supervisor still running 10 s after SIGTERM")
	}
	if err := syscall.Kill(child, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("supervised process %d still there after SIGTERM: %v", child, err)
	}
	if !strings.Contains(stderr.String(), "stopped: bash exited with status 143") {
		t.Errorf("output: %s", stderr.String())
	}
}

func TestScriptsUsage(t *testing.T) {
	tests := []struct {
		script string
		args   []string
		code   int
		want   string
	}{
		{"spindle-supervise.sh", []string{"--help"}, 0, "Usage: spindle-supervise.sh"},
		{"spindle-supervise.sh", nil, 2, "no command to supervise"},
		{"spindle-supervise.sh", []string{"--max-restarts", "x", "--", "true"}, 2, "--max-restarts x: want a whole number"},
		{"spindle-supervise.sh", []string{"--bogus"}, 2, "unknown option --bogus"},
		{"spindle-supervise.sh", []string{"--", "no-such-command-here"}, 2, "command 'no-such-command-here' not found"},
		{"spindle-upgrade.sh", []string{"--help"}, 0, "Usage: spindle-upgrade.sh"},
		{"spindle-upgrade.sh", nil, 1, "no APP_ID"},
		{"spindle-upgrade.sh", []string{"app_1"}, 1, "is not an application id"},
		{"spindle-upgrade.sh", []string{"application_1_0001"}, 1, "no submit arguments after --"},
		{"spindle-upgrade.sh", []string{"--timeout", "0", "application_1_0001", "--", "./job"}, 1, "--timeout 0"},
		{"spindle-upgrade.sh", []string{"--poll", "1", "application_1_0001", "--", "./job"}, 1, "unknown option --poll"},
		{"spindle-upgrade.sh", []string{"--spindle", "/no/such/spindle", "application_1_0001", "--", "./job"}, 1, "'/no/such/spindle' not found"},
		{"spindle-upgrade.sh", []string{"--bogus"}, 1, "unknown option --bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.script+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			res := run(t, tt.script, nil, tt.args...)
			if res.code != tt.code || !strings.Contains(res.stdout+res.stderr, tt.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s%s", res.code, tt.code, tt.want, res.stdout, res.stderr)
			}
		})
	}
}

// fakeSpindle stands in for spindle at its command line, for what the
// upgrade script hands it: `application -status` reports $FAKE_DIR/state;
// `application -stop` reports a stop ending $FAKE_STOP_FINAL (SUCCEEDED)
// and exits $FAKE_STOP_EXIT (0); `submit` records its arguments. Each
// application call is recorded with the SPINDLE_CONF_DIR it saw. What
// spindle does with them is tested with the real one
// (internal/clustertest's TestUpgradeScript and stop tests).
const fakeSpindle = `#!/usr/bin/env bash
set -euo pipefail
case $1 in
application)
	printf '%s SPINDLE_CONF_DIR=%s\n' "$*" "${SPINDLE_CONF_DIR:-}" >>"$FAKE_DIR/application.calls"
	case " $* " in
	*" -status "*)
		read -r s f <"$FAKE_DIR/state"
		printf 'Application Report : \n\tApplication-Id : application_1_0001\n\tState : %s\n\tFinal-State : %s\n' "$s" "$f"
		;;
	*" -stop "*)
		echo "Application application_1_0001 stopped: state FINISHED, final status ${FAKE_STOP_FINAL:-SUCCEEDED}"
		exit "${FAKE_STOP_EXIT:-0}"
		;;
	esac
	;;
submit)
	shift
	printf '%s\n' "$@" >"$FAKE_DIR/submit.args"
	echo "Submitted application application_1_0002"
	;;
esac
`

// upgradeEnv is a fake spindle for the upgrade script.
type upgradeEnv struct {
	dir, spindle string
	env          []string
}

func newUpgradeEnv(t *testing.T, state string, extraEnv ...string) upgradeEnv {
	t.Helper()
	dir := t.TempDir()
	e := upgradeEnv{dir: dir, spindle: filepath.Join(dir, "spindle")}
	if err := os.WriteFile(e.spindle, []byte(fakeSpindle), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "state"), []byte(state+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.env = append([]string{"FAKE_DIR=" + dir}, extraEnv...)
	return e
}

func (e upgradeEnv) submitted(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(e.dir, "submit.args"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
}

func (e upgradeEnv) applicationCalls(t *testing.T) []string {
	t.Helper()
	raw, _ := os.ReadFile(filepath.Join(e.dir, "application.calls"))
	return strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
}

// TestUpgradeStopsThroughSpindleApplicationThenSubmits: the script asks
// spindle application for the state and the graceful stop — with the RM
// and conf dir of the submit arguments (not the job's own), the caller's
// SPINDLE_CONF_DIR, and its options as -stop's — then submits the same
// arguments.
func TestUpgradeStopsThroughSpindleApplicationThenSubmits(t *testing.T) {
	e := newUpgradeEnv(t, "RUNNING UNDEFINED", "SPINDLE_CONF_DIR=/etc/spindle-client")
	submit := []string{"--master", "spindle://rm-host:8032", "--conf-dir=/etc/spindle", "--supervise", "--name", "retail",
		"./retail-v2", "--regions", "regions.csv", "--master", "spindle://the-jobs-own:1"}
	res := run(t, "spindle-upgrade.sh", e.env, append([]string{"--spindle", e.spindle, "--move-checkpoint", "--staging-dir", "file:///data/staging",
		"--timeout", "30", "--conf", "spindle.client.secret-file=/etc/secret", "application_1_0001", "--"}, submit...)...)
	if res.code != 0 {
		t.Fatalf("exit %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
	common := "application --conf spindle.client.secret-file=/etc/secret --conf yarn.resourcemanager.address=rm-host:8032 --conf-dir /etc/spindle "
	want := []string{
		common + "-status application_1_0001 SPINDLE_CONF_DIR=/etc/spindle-client",
		common + "-stop application_1_0001 -stopTimeout 30s -stagingDir file:///data/staging -moveCheckpoint SPINDLE_CONF_DIR=/etc/spindle-client",
	}
	if got := e.applicationCalls(t); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("spindle application calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, line := range []string{"finished gracefully (SUCCEEDED)", "Submitted application application_1_0002"} {
		if !strings.Contains(res.stdout, line) {
			t.Errorf("output lacks %q:\n%s", line, res.stdout)
		}
	}
	if got := e.submitted(t); strings.Join(got, "\x00") != strings.Join(submit, "\x00") {
		t.Errorf("submitted %q, want the same arguments %q", got, submit)
	}
}

func TestUpgradeDetaches(t *testing.T) {
	e := newUpgradeEnv(t, "RUNNING UNDEFINED")
	res := run(t, "spindle-upgrade.sh", e.env, "--spindle", e.spindle, "--detach", "application_1_0001", "--", "./retail-v2")
	if res.code != 0 {
		t.Fatalf("exit %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
	want := []string{"--conf", "spark.yarn.submit.waitAppCompletion=false", "./retail-v2"}
	if got := e.submitted(t); strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("submitted %q, want %q", got, want)
	}
	if calls := e.applicationCalls(t); len(calls) != 2 || !strings.HasPrefix(calls[1], "application -stop application_1_0001 -stopTimeout 600s SPINDLE_CONF_DIR=") {
		t.Errorf("spindle application calls %q, want -status then -stop with the default timeout", calls)
	}
}

// TestUpgradeDoesNotSubmitWithoutAGracefulStop: nothing is submitted when
// the stop fails or there is nothing to stop.
func TestUpgradeDoesNotSubmitWithoutAGracefulStop(t *testing.T) {
	tests := []struct {
		name  string
		state string
		env   []string
		want  string
	}{
		{"stop failed", "RUNNING UNDEFINED", []string{"FAKE_STOP_EXIT=1", "FAKE_STOP_FINAL=FAILED"}, "application_1_0001 did not stop gracefully (see above). Nothing was submitted."},
		{"not running", "KILLED KILLED", nil, "is KILLED (final status KILLED), not running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newUpgradeEnv(t, tt.state, tt.env...)
			res := run(t, "spindle-upgrade.sh", e.env, "--spindle", e.spindle, "application_1_0001", "--", "./retail-v2")
			if res.code != 1 || !strings.Contains(res.stderr, tt.want) {
				t.Fatalf("exit %d, want 1 saying %q:\n%s%s", res.code, tt.want, res.stdout, res.stderr)
			}
			if got := e.submitted(t); got != nil {
				t.Errorf("submitted %q", got)
			}
		})
	}
}
