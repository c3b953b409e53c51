package clustertest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
)

// amMetric reads one series of the AM's Prometheus metrics, whatever its
// labels.
func amMetric(t *testing.T, c *testutil.Cluster, appID, series string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + `(?:\{[^}]*\})? (\S+)$`)
	if m := re.FindStringSubmatch(httpGet(t, c.TLS.ClientTLS, trackingURL(t, c, appID)+"/metrics")); m != nil {
		return m[1]
	}
	return ""
}

// TestExecutorThatFitsNoNodeIsReported: executors larger than every
// registered node leave the application RUNNING without them, but never
// silently: its diagnostics name the asks, their size and the largest
// node, and the AM's pending-executors gauge counts them. Once a node that
// large registers, they run and the diagnostics clear.
func TestExecutorThatFitsNoNodeIsReported(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1, NMMemory: "2g"})
	stop := filepath.Join(testutil.SharedDir(t), "stop")
	sub := c.Submit("--num-executors", "2", "--executor-memory", "3g", "--driver-memory", "128m",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", stop)
	appID := sub.AppID()
	want := "Waiting: 2 executor container(s) of <memory:3456, vCores:1> (spark.executor.memory + overhead, spark.executor.cores) fit(s) no registered node: the nodes offer at most <memory:2048, vCores:4>"
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		r := c.Report(appID)
		return r.GetState() == pb.ApplicationState_APPLICATION_STATE_RUNNING && strings.Contains(r.GetDiagnostics(), want),
			fmt.Sprintf("%v, diagnostics %q", r.GetState(), r.GetDiagnostics())
	})
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		v := amMetric(t, c, appID, "spindle_am_executors_pending")
		return v == "2", "spindle_am_executors_pending " + v
	})

	c.AddNodeManager("yarn.nodemanager.resource.memory-mb=8g")
	waitExecutors(t, c, appID, 2, 30*time.Second)
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		d := c.Report(appID).GetDiagnostics()
		v := amMetric(t, c, appID, "spindle_am_executors_pending")
		return d == "" && v == "0", fmt.Sprintf("diagnostics %q, spindle_am_executors_pending %s", d, v)
	})
	if err := os.WriteFile(stop, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sub.Wait(30 * time.Second); err != nil {
		t.Fatalf("spindle submit: %v", err)
	}
}

// TestRefusedExecutorAsksAreReportedWithoutSpinning: when the RM refuses
// the AM's executor asks (here a restarted RM with a smaller
// yarn.scheduler.maximum-allocation-mb, asked for a replacement), the
// application's diagnostics say so, the pending gauge counts the executor,
// and the AM asks again with a doubling backoff instead of ten times a
// second, heartbeating all along.
func TestRefusedExecutorAsksAreReportedWithoutSpinning(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	sub := c.Submit("--num-executors", "1", "--executor-memory", "1g", "--driver-memory", "128m",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", filepath.Join(testutil.SharedDir(t), "never"))
	appID := sub.AppID()
	waitExecutors(t, c, appID, 1, 30*time.Second)

	c.RestartRM("yarn.scheduler.maximum-allocation-mb=1024")
	for _, ct := range c.RunningContainers(appID)[0] {
		if !strings.HasSuffix(ct.ID, "_000001") {
			syscall.Kill(int(ct.PID), syscall.SIGKILL)
		}
	}
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		r := c.Report(appID)
		return r.GetState() == pb.ApplicationState_APPLICATION_STATE_RUNNING && strings.Contains(r.GetDiagnostics(), "Asks refused") &&
			strings.Contains(r.GetDiagnostics(), "exceeds the maximum allocation <memory:1024"), fmt.Sprintf("%v, diagnostics %q", r.GetState(), r.GetDiagnostics())
	})
	if v := amMetric(t, c, appID, "spindle_am_executors_pending"); v != "1" {
		t.Errorf("spindle_am_executors_pending %s, want 1", v)
	}
	// Over 5 s the AM asks again after 1 s, 2 s, 4 s: not 50 times.
	amLog := filepath.Join(c.Dir, "nm0", "nm-logs", appID, c.Attempts(appID)[0].GetAmContainerId(), "spindle.log")
	refusals := func() int {
		raw, _ := os.ReadFile(amLog)
		return strings.Count(string(raw), "resourcemanager refused the executor asks")
	}
	before := refusals()
	time.Sleep(5 * time.Second) // a window to count log lines in, not a synchronisation
	if n := refusals() - before; n < 1 || n > 4 {
		t.Errorf("the AM logged %d refusals in 5 s, want between 1 and 4 (a doubling backoff from 1 s); log %s", n, amLog)
	}
	// It still heartbeats: a kill reaches it and ends the application.
	if out, err := runSpindle(t, "application", append([]string{"-kill", appID}, c.ConfArgs()...)...); err != nil {
		t.Fatalf("kill: %v\n%s", err, out)
	}
	c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_KILLED, 10*time.Second)
}
