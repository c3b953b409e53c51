package clustertest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
)

// superviseFlags make a streaming job fail its only attempt at its first
// failing task, supervised.
func superviseFlags(backoff string, extra ...string) []string {
	return append([]string{"--supervise", "--conf", "spark.yarn.maxAppAttempts=1", "--conf", "spark.task.maxFailures=1",
		"--conf", "spindle.driver.supervise.backoff=" + backoff}, extra...)
}

// TestSuperviseRelaunchesAFailedApplication: a supervised job whose only
// attempt fails (a task panics once, spark.task.maxFailures=1) is relaunched
// under the same application id with the same checkpoint: the new attempt
// replays the failed batch, every record reaches the sink exactly once,
// and spindle application -stop ends it SUCCEEDED.
func TestSuperviseRelaunchesAFailedApplication(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"events": 1})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	values := []string{"a", "boom", "b"}
	b.Produce(t, "events", 0, len(values), func(i int) ([]byte, []byte) { return nil, []byte(values[i]) })
	dir := testutil.SharedDir(t)
	once := filepath.Join(dir, "panicked-once")
	sub := streamingJob(c, b, "events", dir, superviseFlags("500ms", "--conf", "spark.executorEnv.PANIC_ONCE_FILE="+once),
		testutil.Binary(t, "./internal/testutil/panicjob", "panicjob"))
	appID := sub.AppID()
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		got := sinkLines(t, dir)
		slices.Sort(got)
		return slices.Equal(got, []string{"a", "b", "boom"}), fmt.Sprintf("sink has %v", got)
	})
	if _, err := os.Stat(once); err != nil {
		t.Fatal("the job never panicked: no attempt failed")
	}
	attempts := c.Attempts(appID)
	if len(attempts) != 2 || attempts[0].GetState() != pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_FAILED || !strings.Contains(attempts[0].GetDiagnostics(), "boom") {
		t.Fatalf("attempts %v, want a first one FAILED by the panic and a relaunched second", attempts)
	}
	if r := c.Report(appID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING {
		t.Fatalf("relaunched application is %v (%s), want RUNNING", r.GetState(), r.GetDiagnostics())
	}
	out, err := stopApp(t, c, appID)
	if err != nil {
		t.Fatalf("spindle application -stop: %v\n%s", err, out)
	}
	for _, want := range []string{"Ended the supervision of application " + appID, "Application " + appID + " stopped: state FINISHED, final status SUCCEEDED"} {
		if !strings.Contains(out, want) {
			t.Errorf("-stop output lacks %q:\n%s", want, out)
		}
	}
	if err := sub.Wait(30 * time.Second); err != nil {
		t.Fatalf("spindle submit: %v", err)
	}
	got := sinkLines(t, dir)
	slices.Sort(got)
	if !slices.Equal(got, []string{"a", "b", "boom"}) {
		t.Fatalf("sink after the stop has %v, want each record once", got)
	}
	if n := len(c.Attempts(appID)); n != 2 {
		t.Fatalf("%d attempts after the stop, want 2", n)
	}
}

// TestSuperviseEndsWithKillAndStop: a supervised job that always fails is
// relaunched again and again, with the backoff in its diagnostics, until
// spindle application -kill ends it; one waiting for its relaunch is ended
// FAILED by spindle application -stop, which reports it and exits non-zero.
func TestSuperviseEndsWithKillAndStop(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"events": 1})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	b.Produce(t, "events", 0, 1, func(int) ([]byte, []byte) { return nil, []byte("boom") })
	job := testutil.Binary(t, "./internal/testutil/panicjob", "panicjob")

	t.Run("kill", func(t *testing.T) {
		dir := testutil.SharedDir(t)
		sub := streamingJob(c, b, "events", dir, superviseFlags("200ms", "--conf", "spindle.driver.supervise.maxBackoff=400ms"), job)
		appID := sub.AppID()
		testutil.WaitFor(t, 90*time.Second, func() (bool, string) {
			n := len(c.Attempts(appID))
			return n >= 3, fmt.Sprintf("%d attempts, want 3: two relaunches", n)
		})
		if out, err := runSpindle(t, "application", append([]string{"-kill", appID}, c.ConfArgs()...)...); err != nil {
			t.Fatalf("spindle application -kill: %v\n%s", err, out)
		}
		c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_KILLED, 10*time.Second)
		n := len(c.Attempts(appID))
		testutil.Consistently(t, 2*time.Second, func() (bool, string) {
			r := c.Report(appID)
			return len(c.Attempts(appID)) == n && r.GetState() == pb.ApplicationState_APPLICATION_STATE_KILLED,
				fmt.Sprintf("after the kill: %v with %d attempts, want KILLED with %d", r.GetState(), len(c.Attempts(appID)), n)
		})
		if err := sub.Wait(20 * time.Second); err == nil {
			t.Fatal("spindle submit exited 0 for a killed application")
		}
	})

	t.Run("stop while waiting", func(t *testing.T) {
		dir := testutil.SharedDir(t)
		sub := streamingJob(c, b, "events", dir, superviseFlags("10min", "--conf", "spindle.driver.supervise.maxBackoff=20min"), job)
		appID := sub.AppID()
		testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
			r := c.Report(appID)
			return strings.Contains(r.GetDiagnostics(), "Supervised (spark.driver.supervise): relaunching in 10m0s"),
				fmt.Sprintf("%v: %s", r.GetState(), r.GetDiagnostics())
		})
		if r := c.Report(appID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_ACCEPTED {
			t.Fatalf("waiting for its relaunch the app is %v, want ACCEPTED", r.GetState())
		}
		out, err := stopApp(t, c, appID)
		if err == nil {
			t.Fatalf("spindle application -stop exited 0 for an application that had failed:\n%s", out)
		}
		for _, want := range []string{"Ended the supervision of application " + appID, "Application " + appID + " stopped: state FAILED, final status FAILED", "Supervision stopped by the user"} {
			if !strings.Contains(out, want) {
				t.Errorf("-stop output lacks %q:\n%s", want, out)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "checkpoint", "_shutdown")); err == nil {
			t.Error("-stop left a shutdown marker in the checkpoint of an application that had already ended")
		}
		if n := len(c.Attempts(appID)); n != 1 {
			t.Fatalf("%d attempts, want 1: no relaunch after the stop", n)
		}
		if err := sub.Wait(20 * time.Second); err == nil {
			t.Fatal("spindle submit exited 0 for a failed application")
		}
	})
}
