package clustertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
)

// TestKilledApplicationCostsTheNextOneNoAttempt: the NM takes seconds to
// stop a killed application's container (it ignores SIGTERM; SIGKILL
// follows after yarn.nodemanager.sleep-delay-before-sigkill.ms). The AM of
// an application submitted meanwhile, which only fits in that room, waits
// for the NM to release it instead of being refused there, so the
// application runs on its first and only attempt
// (spark.yarn.maxAppAttempts=1) and succeeds. The same holds when the RM
// restarts after the kill: the NM registers again with the container it is
// still stopping, and the restarted RM keeps its room.
func TestKilledApplicationCostsTheNextOneNoAttempt(t *testing.T) {
	t.Run("kill", func(t *testing.T) { killedRoomIsKept(t, false) })
	t.Run("kill then RM restart", func(t *testing.T) { killedRoomIsKept(t, true) })
}

func killedRoomIsKept(t *testing.T, restartRM bool) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1, NMMemory: "2g",
		Conf: []string{"yarn.nodemanager.sleep-delay-before-sigkill.ms=6000"}})
	// 1200 + 400 MiB of the node's 2048: the 512 MiB AM below does not fit
	// beside it.
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	got := am.AllocateUntil(testutil.Ask(1, 1200, 400, 1), 1, 10*time.Second)
	if len(got) != 1 {
		t.Fatalf("allocated %d containers, want 1", len(got))
	}
	stubborn := got[0]
	am.Launch(stubborn, helperCommand(t), map[string]string{helperEnv: "ignoreterm"})
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		out := c.ContainerStdout(0, am.AppID, stubborn.GetId())
		return strings.Contains(out, "ready"), "container " + stubborn.GetId() + " has not ignored SIGTERM yet: stdout " + out
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Client().KillApplication(ctx, &pb.KillApplicationRequest{ApplicationId: am.AppID}); err != nil {
		t.Fatalf("kill %s: %v", am.AppID, err)
	}
	killed := time.Now()
	if restartRM {
		c.RestartRM()
		if waited := time.Since(killed); waited > 4*time.Second {
			t.Fatalf("the RM took %v to restart: the NM may have stopped the container already, and the test shows nothing", waited)
		}
	}

	stop := filepath.Join(testutil.SharedDir(t), "stop")
	sub := c.Submit("--num-executors", "1", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spark.yarn.maxAppAttempts=1",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", stop)
	appID := sub.AppID()
	r := c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_RUNNING, 30*time.Second)
	if waited := time.Since(killed); waited < 2*time.Second {
		t.Errorf("the AM registered %v after the kill, before the NM could have stopped the killed container", waited)
	}
	if attempts := c.Attempts(appID); len(attempts) != 1 {
		t.Fatalf("%d attempts, want 1: %v", len(attempts), attempts)
	}
	if err := os.WriteFile(stop, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sub.Wait(30 * time.Second); err != nil {
		t.Fatalf("spindle submit: %v (diagnostics %q)", err, r.GetDiagnostics())
	}
	if r := c.Report(appID); r.GetFinalStatus() != pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED || strings.Contains(r.GetDiagnostics(), "exceed") {
		t.Fatalf("final status %v, diagnostics %q; want SUCCEEDED", r.GetFinalStatus(), r.GetDiagnostics())
	}
}
