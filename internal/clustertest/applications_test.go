package clustertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
)

// executors lists the running executor containers of appID (not its AM's,
// which is container 1 of its attempt), with the index of their NM.
func executors(c *testutil.Cluster, appID string) map[string]int {
	out := map[string]int{}
	for nm, cs := range c.RunningContainers(appID) {
		for _, ct := range cs {
			if !strings.HasSuffix(ct.ID, "_000001") {
				out[ct.ID] = nm
			}
		}
	}
	return out
}

func waitExecutors(t *testing.T, c *testutil.Cluster, appID string, n int, timeout time.Duration) map[string]int {
	t.Helper()
	var got map[string]int
	testutil.WaitFor(t, timeout, func() (bool, string) {
		got = executors(c, appID)
		return len(got) == n, fmt.Sprintf("%d executors running, want %d", len(got), n)
	})
	return got
}

// TestSparkSubmitInvocationRunsAndSucceeds feeds a 24/7 streaming job's
// spark-submit line, with only the binary name and application path
// changed: it is accepted with one warning per JVM-only part, runs its
// executors and SUCCEEDS when the driver finishes.
func TestSparkSubmitInvocationRunsAndSucceeds(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2, NMMemory: "4g"})
	dir := testutil.SharedDir(t)
	stop := filepath.Join(dir, "stop")
	log4j := filepath.Join(dir, "log4j.properties")
	appConf := filepath.Join(dir, "app.conf")
	os.WriteFile(log4j, []byte("log4j.rootCategory=WARN, console\n"), 0o644)
	os.WriteFile(appConf, []byte("topic=clicks\n"), 0o644)
	sub := c.Submit(
		"--deploy-mode", "cluster",
		"--name", "clickstream-sessions",
		"--queue", "default",
		"--class", "com.example.streaming.Sessions",
		"--jars", "/opt/jobs/lib/kafka-clients.jar,/opt/jobs/lib/metrics.jar",
		"--num-executors", "2",
		"--executor-cores", "1",
		"--executor-memory", "256m",
		"--driver-memory", "256m",
		"--files", log4j+","+appConf,
		"--conf", "spark.yarn.maxAppAttempts=4",
		"--conf", "spark.yarn.am.attemptFailuresValidityInterval=1h",
		"--conf", "spark.yarn.max.executor.failures=16",
		"--conf", "spark.yarn.executor.failuresValidityInterval=1h",
		"--conf", "spark.task.maxFailures=8",
		"--conf", "spark.speculation=false",
		"--conf", "spark.streaming.backpressure.enabled=true",
		"--conf", "spark.streaming.kafka.maxRatePerPartition=10000",
		"--conf", "spark.streaming.stopGracefullyOnShutdown=true",
		"--conf", "spark.driver.extraJavaOptions=-XX:+UseG1GC -Dlog4j.configuration=log4j.properties",
		"--conf", "spark.executor.extraJavaOptions=-XX:+UseG1GC",
		"--conf", "spark.serializer=org.apache.spark.serializer.KryoSerializer",
		"--conf", "spark.yarn.submit.waitAppCompletion=true",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", stop)
	appID := sub.AppID()
	got := waitExecutors(t, c, appID, 2, 20*time.Second)
	if r := c.Report(appID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING || r.GetName() != "clickstream-sessions" {
		t.Fatalf("report: state %v name %q, want RUNNING clickstream-sessions", r.GetState(), r.GetName())
	}
	// Executors were started from the staged files, verified by hash.
	for id, nm := range got {
		if _, err := os.Stat(filepath.Join(c.Dir, fmt.Sprintf("nm%d", nm), "nm-local-dir", appID, id, "log4j.properties")); err != nil {
			t.Errorf("executor %s lacks its --files: %v", id, err)
		}
	}
	os.WriteFile(stop, nil, 0o644)
	if err := sub.Wait(30 * time.Second); err != nil {
		t.Fatalf("spindle submit: %v", err)
	}
	out := sub.Output()
	for _, jvm := range []string{"--class", "--jars", "spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions", "spark.serializer"} {
		if n := strings.Count(out, jvm); n != 1 {
			t.Errorf("output mentions %s %d times, want one warning:\n%s", jvm, n, out)
		}
	}
	for _, state := range []string{"(state: ACCEPTED)", "(state: RUNNING)", "(state: FINISHED)"} {
		if strings.Count(out, state) != 1 {
			t.Errorf("output should report %s exactly once:\n%s", state, out)
		}
	}
	if r := c.Report(appID); r.GetFinalStatus() != pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED {
		t.Fatalf("final status %v, want SUCCEEDED", r.GetFinalStatus())
	}
}

// TestCrashingAMIsRetriedThenFails: a driver that always fails makes every
// attempt fail; after spark.yarn.maxAppAttempts the app FAILS, with each
// attempt in its diagnostics, and spindle submit exits non-zero.
func TestCrashingAMIsRetriedThenFails(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2, Conf: []string{"yarn.resourcemanager.am.max-attempts=5"}})
	sub := c.Submit("--num-executors", "1", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spark.yarn.maxAppAttempts=3", "--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--exit", "3")
	appID := sub.AppID()
	if err := sub.Wait(60 * time.Second); err == nil {
		t.Fatal("spindle submit exited 0 for a failed application")
	}
	r := c.Report(appID)
	if r.GetState() != pb.ApplicationState_APPLICATION_STATE_FAILED {
		t.Fatalf("state %v, want FAILED", r.GetState())
	}
	attempts := c.Attempts(appID)
	if len(attempts) != 3 {
		t.Fatalf("%d attempts, want 3 (spark.yarn.maxAppAttempts)", len(attempts))
	}
	for _, a := range attempts {
		if a.GetState() != pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_FAILED {
			t.Errorf("attempt %s is %v, want FAILED", a.GetAttemptId(), a.GetState())
		}
		if !strings.Contains(r.GetDiagnostics(), a.GetAttemptId()+": AM Container for "+a.GetAttemptId()+" exited with exitCode: 1") {
			t.Errorf("diagnostics do not explain %s:\n%s", a.GetAttemptId(), r.GetDiagnostics())
		}
	}
	if !strings.Contains(r.GetDiagnostics(), "failed 3 times") || !strings.Contains(r.GetDiagnostics(), "spark.yarn.maxAppAttempts") {
		t.Errorf("diagnostics do not name the limit:\n%s", r.GetDiagnostics())
	}
}

// TestAttemptFailuresOutsideValidityIntervalDoNotCount: with a 2 s
// validity interval and maxAppAttempts 2, attempts that crash 3 s apart
// never exhaust the attempts.
func TestAttemptFailuresOutsideValidityIntervalDoNotCount(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	sub := c.Submit("--num-executors", "1", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spark.yarn.maxAppAttempts=2", "--conf", "spark.yarn.am.attemptFailuresValidityInterval=2s",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--after", "3s", "--exit", "1")
	appID := sub.AppID()
	testutil.WaitFor(t, 40*time.Second, func() (bool, string) {
		r := c.Report(appID)
		if r.GetState() == pb.ApplicationState_APPLICATION_STATE_FAILED {
			t.Fatalf("application FAILED although failures were 3 s apart with a 2 s window:\n%s", r.GetDiagnostics())
		}
		n := len(c.Attempts(appID))
		return n >= 4, fmt.Sprintf("%d attempts so far", n)
	})
	out, err := runSpindle(t, "application", append([]string{"-kill", appID}, c.ConfArgs()...)...)
	if err != nil {
		t.Fatalf("kill: %v\n%s", err, out)
	}
	if r := c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_KILLED, 10*time.Second); r.GetFinalStatus() != pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_KILLED {
		t.Fatalf("final status %v, want KILLED", r.GetFinalStatus())
	}
}

// TestKilledExecutorsAreReplacedUntilTheLimit: SIGKILLed executors are
// replaced; past spark.yarn.max.executor.failures the app fails with a
// diagnostic naming that setting.
func TestKilledExecutorsAreReplacedUntilTheLimit(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	sub := c.Submit("--num-executors", "2", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spark.yarn.max.executor.failures=1",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", filepath.Join(testutil.SharedDir(t), "never"))
	appID := sub.AppID()
	before := waitExecutors(t, c, appID, 2, 20*time.Second)
	kill := func(except map[string]int) string {
		for id, nm := range executors(c, appID) {
			if _, old := except[id]; old || except == nil {
				for _, ct := range c.RunningContainers(appID)[nm] {
					if ct.ID == id {
						syscall.Kill(int(ct.PID), syscall.SIGKILL)
						return id
					}
				}
			}
		}
		t.Fatal("no executor to kill")
		return ""
	}
	first := kill(before)
	var replaced map[string]int
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		replaced = executors(c, appID)
		_, stillThere := replaced[first]
		return len(replaced) == 2 && !stillThere, fmt.Sprintf("executors %v after killing %s", replaced, first)
	})
	if r := c.Report(appID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING {
		t.Fatalf("after one executor failure the app is %v, want RUNNING", r.GetState())
	}
	kill(nil)
	r := c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_FAILED, 15*time.Second)
	if !strings.Contains(r.GetDiagnostics(), "spark.yarn.max.executor.failures") || !strings.Contains(r.GetDiagnostics(), "exit status 137") {
		t.Fatalf("diagnostics should name spark.yarn.max.executor.failures and the kills:\n%s", r.GetDiagnostics())
	}
	if err := sub.Wait(20 * time.Second); err == nil {
		t.Fatal("spindle submit exited 0 for a failed application")
	}
}

// TestLostNodeManagerExecutorsMoveToTheOtherNode: an NM killed mid-run
// loses its executors and the AM replaces them on the other NM.
func TestLostNodeManagerExecutorsMoveToTheOtherNode(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2, NMMemory: "4g", NMVCores: 8})
	sub := c.Submit("--num-executors", "4", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", filepath.Join(testutil.SharedDir(t), "never"))
	appID := sub.AppID()
	waitExecutors(t, c, appID, 4, 20*time.Second)
	// Kill the NM that does not run the AM.
	victim := -1
	for nm, cs := range c.RunningContainers(appID) {
		am := false
		for _, ct := range cs {
			am = am || strings.HasSuffix(ct.ID, "_000001")
		}
		if !am {
			victim = nm
		}
	}
	if victim < 0 {
		t.Fatal("every NM runs the AM?")
	}
	c.NMs[victim].Kill()
	survivor := 1 - victim
	testutil.WaitFor(t, 15*time.Second, func() (bool, string) {
		ex := executors(c, appID)
		for _, nm := range ex {
			if nm != survivor {
				return false, "executor still on the lost node"
			}
		}
		return len(ex) == 4, fmt.Sprintf("%d executors on the surviving NM, want 4", len(ex))
	})
	if r := c.Report(appID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING {
		t.Fatalf("app is %v after losing a node, want RUNNING: %s", r.GetState(), r.GetDiagnostics())
	}
}
