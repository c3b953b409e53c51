package scripts

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/launch"
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
		{"spindle-upgrade.sh", []string{"--poll", "0", "application_1_0001", "--", "./job"}, 1, "--poll 0"},
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

// fakeSpindle is a spindle stand-in for the upgrade script: `application
// -status` reports $FAKE_STATE and, once the marker $FAKE_MARKER exists,
// ends the application as a graceful stop does (the marker renamed
// .COMPLETED, FINISHED with $FAKE_FINAL) unless $FAKE_END is "never";
// `submit` records its arguments.
const fakeSpindle = `#!/usr/bin/env bash
set -euo pipefail
case $1 in
application)
	echo "$*" >>"$FAKE_DIR/application.calls"
	if [[ -e $FAKE_MARKER && ${FAKE_END:-} != never ]]; then
		mv "$FAKE_MARKER" "$FAKE_MARKER.COMPLETED"
		echo "FINISHED ${FAKE_FINAL:-SUCCEEDED}" >"$FAKE_DIR/state"
	fi
	read -r s f <"$FAKE_DIR/state"
	printf 'Application Report : \n\tApplication-Id : application_1_0001\n\tState : %s\n\tFinal-State : %s\n' "$s" "$f"
	;;
submit)
	shift
	printf '%s\n' "$@" >"$FAKE_DIR/submit.args"
	echo "Submitted application application_1_0002"
	;;
esac
`

// upgradeEnv is a fake spindle and a checkpoint dir for the upgrade script.
type upgradeEnv struct {
	dir, ckpt, spindle string
	env                []string
}

func newUpgradeEnv(t *testing.T, state, marker string, extraEnv ...string) upgradeEnv {
	t.Helper()
	dir := t.TempDir()
	e := upgradeEnv{dir: dir, ckpt: filepath.Join(dir, "ckpt"), spindle: filepath.Join(dir, "spindle")}
	if err := os.WriteFile(e.spindle, []byte(fakeSpindle), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(e.ckpt, "commits"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "state"), []byte(state+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if marker == "" {
		marker = filepath.Join(e.ckpt, "_shutdown")
	}
	e.env = append([]string{"FAKE_DIR=" + dir, "FAKE_MARKER=" + marker}, extraEnv...)
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

func TestUpgradeGracefulThenSubmit(t *testing.T) {
	e := newUpgradeEnv(t, "RUNNING UNDEFINED", "")
	submit := []string{"--master", "spindle://rm-host:8032", "--name", "retail", "--conf", "spindle.checkpoint.dir=file://" + e.ckpt,
		"./retail-v2", "--regions", "regions.csv", "--conf", "spindle.checkpoint.dir=/job/arg/not/ours"}
	res := run(t, "spindle-upgrade.sh", e.env, append([]string{"--spindle", e.spindle, "--poll", "0.05", "--move-checkpoint", "application_1_0001", "--"}, submit...)...)
	if res.code != 0 {
		t.Fatalf("exit %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{"placing the shutdown marker " + e.ckpt + "/_shutdown", "finished gracefully (SUCCEEDED)", "removed " + e.ckpt + "/_shutdown.COMPLETED", "moved the checkpoint dir aside", "Submitted application application_1_0002"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, res.stdout)
		}
	}
	if got := e.submitted(t); strings.Join(got, "\x00") != strings.Join(submit, "\x00") {
		t.Errorf("submitted %q, want the same arguments %q", got, submit)
	}
	calls, _ := os.ReadFile(filepath.Join(e.dir, "application.calls"))
	if !strings.Contains(string(calls), "--conf yarn.resourcemanager.address=rm-host:8032 -status application_1_0001") {
		t.Errorf("spindle application was not pointed at --master's RM:\n%s", calls)
	}
	aside, _ := filepath.Glob(e.ckpt + ".*")
	if len(aside) != 1 || !regexp.MustCompile(`\.\d{14}$`).MatchString(aside[0]) {
		t.Fatalf("checkpoint moved aside to %q, want one <dir>.<yyyyMMddHHmmss>", aside)
	}
	if _, err := os.Stat(e.ckpt); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("checkpoint dir still in place: %v", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(aside[0], "_shutdown*"))
	if len(leftovers) != 0 {
		t.Errorf("markers left: %q", leftovers)
	}
}

func TestUpgradeReadsThePropertiesFileAndDetaches(t *testing.T) {
	e := newUpgradeEnv(t, "RUNNING UNDEFINED", "")
	marker := filepath.Join(e.ckpt, "stop-now")
	e.env[1] = "FAKE_MARKER=" + marker
	props := filepath.Join(e.dir, "app.conf")
	os.WriteFile(props, []byte("# the application's\nspark.app.name  retail\nspindle.checkpoint.dir   "+e.ckpt+"  \nspindle.streaming.shutdownMarker=stop-now\n"), 0o644)
	submit := []string{"--properties-file", props, "--verbose", "./retail-v2"}
	res := run(t, "spindle-upgrade.sh", e.env, append([]string{"--spindle", e.spindle, "--poll", "0.05", "--detach", "--conf", "yarn.resourcemanager.address=h:1", "application_1_0001", "--"}, submit...)...)
	if res.code != 0 {
		t.Fatalf("exit %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "placing the shutdown marker "+marker) {
		t.Errorf("marker from the properties file not used:\n%s", res.stdout)
	}
	want := append([]string{"--conf", "spark.yarn.submit.waitAppCompletion=false"}, submit...)
	if got := e.submitted(t); strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("submitted %q, want %q", got, want)
	}
	if _, err := os.Stat(e.ckpt); err != nil {
		t.Errorf("checkpoint dir moved without --move-checkpoint: %v", err)
	}
}

func TestUpgradeDoesNotSubmitAfterAnUngracefulEnd(t *testing.T) {
	tests := []struct {
		name    string
		state   string
		env     []string
		args    []string
		want    string
		elapsed time.Duration
	}{
		{"application failed", "RUNNING UNDEFINED", []string{"FAKE_FINAL=FAILED"}, nil, "not gracefully", 0},
		{"timeout", "RUNNING UNDEFINED", []string{"FAKE_END=never"}, []string{"--timeout", "1"}, "still RUNNING after 1s; removed the marker", time.Second},
		{"not running", "KILLED KILLED", nil, nil, "is KILLED (final status KILLED), not running", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newUpgradeEnv(t, tt.state, "", tt.env...)
			args := append([]string{"--spindle", e.spindle, "--poll", "0.05"}, tt.args...)
			args = append(args, "application_1_0001", "--", "--conf", "spindle.checkpoint.dir="+e.ckpt, "./retail-v2")
			res := run(t, "spindle-upgrade.sh", e.env, args...)
			if res.code != 1 || !strings.Contains(res.stderr, tt.want) {
				t.Fatalf("exit %d, want 1 saying %q:\n%s%s", res.code, tt.want, res.stdout, res.stderr)
			}
			if res.elapsed < tt.elapsed {
				t.Errorf("gave up after %v, before --timeout", res.elapsed)
			}
			if got := e.submitted(t); got != nil {
				t.Errorf("submitted %q after an ungraceful end", got)
			}
			if _, err := os.Stat(filepath.Join(e.ckpt, "_shutdown")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("marker left in place: %v", err)
			}
		})
	}
}

func TestUpgradeReadsTheStagedLaunchSpec(t *testing.T) {
	e := newUpgradeEnv(t, "RUNNING UNDEFINED", "")
	// The spec as spindle submit stages it.
	spec := launch.Spec{Application: "retail", Conf: map[string]string{
		"spark.app.name": "retail", "spindle.checkpoint.dir": "file://" + e.ckpt, "spindle.sink.path": "file:///out",
	}}
	raw, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	staged := filepath.Join(e.dir, "staging", ".sparkStaging", "application_1_0001", launch.SpecFile)
	os.MkdirAll(filepath.Dir(staged), 0o755)
	os.WriteFile(staged, raw, 0o644)
	submit := []string{"--conf", "spark.yarn.stagingDir=file://" + e.dir + "/staging", "./retail-v2"}
	res := run(t, "spindle-upgrade.sh", e.env, append([]string{"--spindle", e.spindle, "--poll", "0.05", "application_1_0001", "--"}, submit...)...)
	if res.code != 0 || !strings.Contains(res.stdout, "placing the shutdown marker "+e.ckpt+"/_shutdown") {
		t.Fatalf("exit %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
	if got := e.submitted(t); strings.Join(got, " ") != strings.Join(submit, " ") {
		t.Errorf("submitted %q, want %q", got, submit)
	}
	// --staging-dir finds it too.
	e2 := newUpgradeEnv(t, "RUNNING UNDEFINED", "")
	spec.Conf["spindle.checkpoint.dir"] = e2.ckpt
	raw, _ = json.MarshalIndent(spec, "", "  ")
	os.WriteFile(staged, raw, 0o644)
	res = run(t, "spindle-upgrade.sh", e2.env, "--spindle", e2.spindle, "--poll", "0.05", "--staging-dir", e.dir+"/staging", "application_1_0001", "--", "./retail-v2")
	if res.code != 0 || !strings.Contains(res.stdout, "placing the shutdown marker "+e2.ckpt+"/_shutdown") {
		t.Fatalf("with --staging-dir: exit %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
}

func TestUpgradeNeedsACheckpointDir(t *testing.T) {
	e := newUpgradeEnv(t, "RUNNING UNDEFINED", "")
	for name, submit := range map[string][]string{
		// Arguments after the job binary are the job's own.
		"only in the job's arguments": {"./retail-v2", "--conf", "spindle.checkpoint.dir=" + e.ckpt},
		"none":                        {"--name", "x", "./retail-v2"},
	} {
		t.Run(name, func(t *testing.T) {
			res := run(t, "spindle-upgrade.sh", e.env, append([]string{"--spindle", e.spindle, "application_1_0001", "--"}, submit...)...)
			if res.code != 1 || !strings.Contains(res.stderr, "no checkpoint dir") {
				t.Fatalf("exit %d:\n%s", res.code, res.stderr)
			}
		})
	}
	t.Run("missing dir", func(t *testing.T) {
		res := run(t, "spindle-upgrade.sh", e.env, "--spindle", e.spindle, "--checkpoint-dir", "file://"+e.dir+"/nope", "application_1_0001", "--", "./retail-v2")
		if res.code != 1 || !strings.Contains(res.stderr, "does not exist") {
			t.Fatalf("exit %d:\n%s", res.code, res.stderr)
		}
	})
	t.Run("hdfs without the hdfs command", func(t *testing.T) {
		res := run(t, "spindle-upgrade.sh", append(e.env, "HDFS=/no/hdfs"), "--spindle", e.spindle, "--checkpoint-dir", "hdfs://nn:8020/ckpt", "application_1_0001", "--", "./retail-v2")
		if res.code != 1 || !strings.Contains(res.stderr, "'/no/hdfs' is not on PATH") {
			t.Fatalf("exit %d:\n%s", res.code, res.stderr)
		}
	})
}
