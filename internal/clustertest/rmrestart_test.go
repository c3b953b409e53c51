package clustertest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
)

// TestRMRestartKeepsApplicationsRunning: the RM is SIGKILLed under a
// running application and restarted on the same addresses; NMs register
// again with their containers, the AM carries on with its token, and the
// application finishes SUCCEEDED with its first attempt and its original
// executors.
func TestRMRestartKeepsApplicationsRunning(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	stop := filepath.Join(testutil.SharedDir(t), "stop")
	sub := c.Submit("--num-executors", "2", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", stop)
	appID := sub.AppID()
	c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_RUNNING, 20*time.Second)
	before := waitExecutors(t, c, appID, 2, 20*time.Second)

	c.RestartRM()
	r := c.Report(appID)
	if r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING {
		t.Fatalf("after the restart the app is %v (%s), want RUNNING", r.GetState(), r.GetDiagnostics())
	}
	// The RM knows the containers again, as the NMs report them.
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		r := c.Report(appID)
		return r.GetRunningContainers() == 3, fmt.Sprintf("RM counts %d running containers, want 3 (AM + 2 executors)", r.GetRunningContainers())
	})
	// The same executors go on: nothing was restarted.
	testutil.Consistently(t, 2*time.Second, func() (bool, string) {
		now := executors(c, appID)
		for id := range before {
			if _, ok := now[id]; !ok {
				return false, fmt.Sprintf("executor %s is gone after the RM restart: %v", id, now)
			}
		}
		return len(now) == 2, fmt.Sprintf("executors %v, want the original 2", now)
	})
	if err := os.WriteFile(stop, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sub.Wait(30 * time.Second); err != nil {
		t.Fatalf("submit: %v", err)
	}
	r = c.Report(appID)
	if r.GetFinalStatus() != pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED {
		t.Fatalf("final status %v (%s), want SUCCEEDED", r.GetFinalStatus(), r.GetDiagnostics())
	}
	if n := len(c.Attempts(appID)); n != 1 {
		t.Fatalf("%d attempts, want 1: the restart must not start a new attempt", n)
	}
}
