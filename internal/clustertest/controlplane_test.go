package clustertest

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/testutil"
)

// TestControlPlaneDoesNotWaitForNodeHeartbeats: with NM heartbeats 30 s
// apart, a submitted application's AM container is placed at once (not at
// the next heartbeat), and a SIGKILLed executor is reported by its NM at
// once (an out-of-band heartbeat) and replaced well within one interval.
func TestControlPlaneDoesNotWaitForNodeHeartbeats(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2, Conf: []string{
		"yarn.resourcemanager.nodemanagers.heartbeat-interval-ms=30000",
		"yarn.nm.liveness-monitor.expiry-interval-ms=300000",
	}})
	sub := c.Submit("--num-executors", "2", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", filepath.Join(testutil.SharedDir(t), "never"))
	appID := sub.AppID()
	before := waitExecutors(t, c, appID, 2, 10*time.Second)
	var killed string
	for id, nm := range before {
		for _, ct := range c.RunningContainers(appID)[nm] {
			if ct.ID == id && killed == "" {
				if err := syscall.Kill(int(ct.PID), syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killed = id
			}
		}
	}
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		now := executors(c, appID)
		_, still := now[killed]
		return len(now) == 2 && !still, fmt.Sprintf("executors %v after killing %s", now, killed)
	})
}
