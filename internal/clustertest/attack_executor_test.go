package clustertest

import (
	"path/filepath"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
)

// TestRogueExecutorCannotRegister: a process on the network that connects
// to an application's Task endpoint and registers as one of its executors
// (taking over the real one's session) is refused unless it holds the
// application's secret: in plain text, with a cluster user's certificate,
// or with another application's secret.
func TestRogueExecutorCannotRegister(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	stop := filepath.Join(testutil.SharedDir(t), "stop")
	sub := c.Submit("--num-executors", "1", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", stop)
	appID := sub.AppID()
	c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_RUNNING, 30*time.Second)
	rogueSends(t, c, appID, &pb.ExecutorMessage{Message: &pb.ExecutorMessage_Register{Register: &pb.RegisterExecutorRequest{ExecutorId: "1", Host: "127.0.0.1", Cores: 8}}}, "registration")
	waitAMLog(t, c, appID, "the refused connections", "connection refused: TLS handshake failed", `"endpoint": "Task"`)
	if r := c.Report(appID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING {
		t.Fatalf("%s is %v after the rogue's attempts, want RUNNING", appID, r.GetState())
	}
}
