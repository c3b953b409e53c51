package clustertest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/launch"
	"go.uber.org/zap"
)

// TestUpgradeScript runs scripts/spindle-upgrade.sh against a running
// retail application submitted through a conf dir (SPINDLE_CONF_DIR, with
// spindle.tmp.dir set, as spindle dev's is) with the default staging dir
// and checkpoint: the script stops it through spindle application -stop,
// which finds the checkpoint from the application's staged launch spec; the
// application finishes gracefully at the marker, no marker is left to stop
// the next one, a new build of the job is submitted with the same
// arguments, and it resumes from the checkpoint: every transaction,
// including those produced while no application ran, reaches the sink
// exactly once, and the revenue state carries on.
func TestUpgradeScript(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	b := kafkatest.Start(t, map[string]int32{"txns": 2})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	dir := testutil.SharedDir(t)
	confDir, tmpDir := c.ClientConfDir()
	confEnv := []string{"SPINDLE_CONF_DIR=" + confDir}
	// spindle submit's default for a job that names no checkpoint dir.
	ckpt := filepath.Join(tmpDir, "checkpoints", "retail-upgrade")

	v1 := testutil.Binary(t, "./examples/retail", "retail")
	// The new build: the same job with a version stamped in, so its bytes
	// differ.
	v2 := filepath.Join(testutil.SharedDir(t), "retail")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=2", "-o", v2, "./examples/retail")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the new job: %v\n%s", err, out)
	}
	if sha256File(t, v1) == sha256File(t, v2) {
		t.Fatal("the new build is byte for byte the old one: the upgrade would not be seen")
	}

	submitArgs := func(job string) []string {
		return []string{
			"--name", "retail-upgrade", "--num-executors", "2", "--executor-memory", "128m", "--driver-memory", "128m",
			"--files", filepath.Join(root, "examples", "retail", "regions.csv"),
			"--conf", "spindle.kafka.bootstrap.servers=" + strings.Join(b.Addrs(), ","),
			"--conf", "spindle.kafka.topics=txns",
			"--conf", "spindle.kafka.auto.offset.reset=earliest",
			"--conf", "spindle.streaming.batchDuration=300ms",
			"--conf", "spindle.sink.path=file://" + dir + "/out",
			"--conf", "spindle.streaming.shutdownMarker.pollInterval=100ms",
			"--conf", "spark.locality.wait=10ms",
			job, "--regions", "regions.csv",
		}
	}
	revenue := map[string]int64{} // by store, in cents
	produce := func(from, to int) {
		for p := int32(0); p < 2; p++ {
			var ids []int
			for id := from; id <= to; id++ {
				if id%2 == int(p) {
					ids = append(ids, id)
				}
			}
			b.Produce(t, "txns", p, len(ids), func(i int) ([]byte, []byte) {
				id := ids[i]
				store := fmt.Sprintf("s-%02d", 1+id%6)
				qty, cents := int64(1+id%3), int64(100+id)
				revenue[store] += qty * cents
				return []byte(store), []byte(fmt.Sprintf(`{"id":"t-%d","store":"%s","sku":"A-1","qty":%d,"price":%d.%02d,"ts":"2025-03-01T12:00:00Z"}`,
					id, store, qty, cents/100, cents%100))
			})
		}
	}
	waitSink := func(n int) {
		t.Helper()
		testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
			lines := sinkLines(t, dir)
			return len(lines) >= n, fmt.Sprintf("sink has %d of %d transactions", len(lines), n)
		})
	}

	produce(1, 100)
	sub1 := c.SubmitWith(confEnv, submitArgs(v1)...)
	app1 := sub1.AppID()
	waitSink(100)
	t.Logf("old build %s running, 100 transactions in the sink", app1)

	script := exec.Command("bash", filepath.Join(root, "scripts", "spindle-upgrade.sh"),
		"--spindle", testutil.SpindleBinary(t), "--timeout", "60", app1, "--")
	script.Args = append(script.Args, submitArgs(v2)...)
	script.Env = append(os.Environ(), confEnv...)
	var out testutil.SyncBuffer
	script.Stdout, script.Stderr = &out, &out
	if err := script.Start(); err != nil {
		t.Fatal(err)
	}
	scriptDone := make(chan error, 1)
	go func() { scriptDone <- script.Wait() }()
	t.Cleanup(func() {
		script.Process.Kill()
		if t.Failed() {
			t.Logf("--- spindle-upgrade.sh output ---\n%s", out.String())
		}
	})
	// Transactions while the old build stops…
	produce(101, 150)
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		return strings.Contains(out.String(), app1+" finished gracefully (SUCCEEDED)"), "the script has not seen the old application finish:\n" + out.String()
	})
	// …and while no application runs.
	produce(151, 200)
	t.Logf("old application finished gracefully")
	if err := sub1.Wait(30 * time.Second); err != nil {
		t.Fatalf("the old application's spindle submit: %v", err)
	}
	if r := c.Report(app1); r.GetFinalStatus() != pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED {
		t.Fatalf("old application %v / %v, want FINISHED / SUCCEEDED", r.GetState(), r.GetFinalStatus())
	}

	var app2 string
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		m := regexp.MustCompile(`Submitted application (application_\d+_\d+)`).FindStringSubmatch(out.String())
		if m != nil {
			app2 = m[1]
		}
		return m != nil, "the script has not submitted the new build:\n" + out.String()
	})
	if app2 == app1 {
		t.Fatalf("the new submission reused %s", app1)
	}
	if _, err := os.Stat(filepath.Join(ckpt, "_shutdown")); !os.IsNotExist(err) {
		t.Errorf("_shutdown left in the checkpoint dir (%v): the new application would stop at once", err)
	}
	if _, err := os.Stat(filepath.Join(ckpt, "_shutdown.COMPLETED")); err != nil {
		t.Errorf("no _shutdown.COMPLETED: the old application's graceful stop was not recorded: %v", err)
	}
	c.WaitState(app2, pb.ApplicationState_APPLICATION_STATE_RUNNING, 30*time.Second)
	if got, want := stagedJobSHA(t, filepath.Join(tmpDir, "staging"), app2), sha256File(t, v2); got != want {
		t.Fatalf("the new application runs a job with SHA-256 %s, want the new build's %s", got, want)
	}

	t.Logf("new build %s running", app2)
	// Nothing lost, nothing repeated: every id once.
	waitSink(200)
	testutil.Consistently(t, time.Second, func() (bool, string) {
		n := len(sinkLines(t, dir))
		return n == 200, fmt.Sprintf("sink has %d lines, want 200", n)
	})
	ids := map[string]int{}
	for _, l := range sinkLines(t, dir) {
		id, _, _ := strings.Cut(l, "\t")
		ids[id]++
	}
	for id := 1; id <= 200; id++ {
		if n := ids["t-"+strconv.Itoa(id)]; n != 1 {
			t.Errorf("t-%d is %d times in the sink, want once", id, n)
		}
	}
	// The state went on from the old build's checkpoint.
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		got := committedState(t, ckpt)
		for store, want := range revenue {
			if v, _ := strconv.ParseInt(string(got[store]), 10, 64); v != want {
				return false, fmt.Sprintf("revenue of %s is %s cents, want %d (state %q)", store, got[store], want, got)
			}
		}
		return true, ""
	})

	// The new application stops at the marker like the old one; the
	// script, now its spindle submit, then exits 0.
	if err := os.WriteFile(filepath.Join(ckpt, "_shutdown"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-scriptDone:
		if err != nil {
			t.Fatalf("spindle-upgrade.sh (the new application's spindle submit) exited with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the new application did not stop at the marker")
	}
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// stagedJobSHA reads the SHA-256 of the job an application was submitted
// with from its launch spec staged under stagingDir.
func stagedJobSHA(t *testing.T, stagingDir, appID string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(stagingDir, ".sparkStaging", appID, "*", launch.SpecFile))
	more, _ := filepath.Glob(filepath.Join(stagingDir, ".sparkStaging", appID, launch.SpecFile))
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatalf("no staged %s of %s under %s", launch.SpecFile, appID, stagingDir)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var spec launch.Spec
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	job, err := spec.JobResource()
	if err != nil {
		t.Fatal(err)
	}
	return job.SHA256
}

// committedState reads the keyed state of the last committed batch (nil
// while it has none).
func committedState(t *testing.T, ckpt string) map[string][]byte {
	t.Helper()
	store, _ := dfs.NewFileStore("/")
	log, err := hdfscheckpoint.NewLog(store, ckpt, 0, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := log.Recover(context.Background())
	if err != nil || rec.LastCommitted == nil {
		t.Fatalf("recover %s: %+v, %v", ckpt, rec, err)
	}
	raw, err := log.ReadState(context.Background(), rec.LastCommitted.BatchTime, hdfscheckpoint.AllPartitionsState)
	if err != nil {
		return nil
	}
	var snap struct{ State map[string][]byte }
	if err := json.Unmarshal(raw, &snap); err != nil {
		t.Fatal(err)
	}
	return snap.State
}
