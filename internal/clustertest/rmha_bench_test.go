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

// BenchmarkRMFailover measures, at shipped timings, a group of three RMs
// losing its active RM (SIGKILL) together with one executor of a running
// application: the time until a new active RM accepts a submission, the
// time until the application's replacement executor runs (its next
// allocation went through the new active RM), and the new attempts (0).
// Each iteration restarts the killed RM as a standby.
func BenchmarkRMFailover(b *testing.B) {
	// Each iteration kills an executor: the application must not fail for it.
	const failures = "spark.yarn.max.executor.failures=100000"
	logShippedTimings(b, "3 RMs on 127.0.0.1", failures)
	c := testutil.StartCluster(b, testutil.ClusterConfig{NodeManagers: 2, RMs: 3, ShippedTimings: true})
	g := c.Group()
	stop := filepath.Join(testutil.SharedDir(b), "stop")
	sub := c.Submit("--num-executors", "2", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spindle.driver.mode=process", "--conf", failures, testutil.TestJobBinary(b), "--until-file", stop)
	appID := sub.AppID()
	c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_RUNNING, 60*time.Second)
	var failover, replaced time.Duration
	b.ResetTimer()
	for range b.N {
		var before map[string]int
		testutil.WaitFor(b, 60*time.Second, func() (bool, string) {
			before = executors(c, appID)
			return len(before) == 2, fmt.Sprintf("%d executors", len(before))
		})
		victim, pid := "", 0
		for _, cs := range c.RunningContainers(appID) {
			for _, ct := range cs {
				if _, ok := before[ct.ID]; ok && victim == "" {
					victim, pid = ct.ID, int(ct.PID)
				}
			}
		}
		active := g.WaitActive(30 * time.Second)
		killed := time.Now()
		g.RMs[active].Kill()
		if p, err := os.FindProcess(pid); err == nil {
			p.Kill()
		}
		failover += submitProbe(b, c, killed, 30*time.Second)
		testutil.WaitFor(b, 60*time.Second, func() (bool, string) {
			now := executors(c, appID)
			_, victimRuns := now[victim]
			return len(now) == 2 && !victimRuns, fmt.Sprintf("executors %v: want 2 without %s", now, victim)
		})
		replaced += time.Since(killed)
		b.StopTimer()
		g.RMs[active].Restart()
		testutil.WaitFor(b, 30*time.Second, func() (bool, string) {
			return g.State(active) == pb.HAServiceState_HA_SERVICE_STATE_STANDBY, "killed RM not back as standby"
		})
		b.StartTimer()
	}
	b.ReportMetric(failover.Seconds()/float64(b.N), "failover-s")
	b.ReportMetric(replaced.Seconds()/float64(b.N), "next-allocation-s")
	b.ReportMetric(float64(len(c.Attempts(appID))-1), "new-attempts")
	if err := os.WriteFile(stop, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	if err := sub.Wait(60 * time.Second); err != nil {
		b.Fatalf("submit: %v", err)
	}
}
