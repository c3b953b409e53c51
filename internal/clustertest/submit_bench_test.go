package clustertest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
)

// BenchmarkSubmitToExecutorsRunning measures, for an application with 4
// executors on 2 NMs, the time from starting `spindle submit` to its AM
// registered (app RUNNING) and to all executors running, as medians.
func BenchmarkSubmitToExecutorsRunning(b *testing.B) {
	c := testutil.StartCluster(b, testutil.ClusterConfig{NodeManagers: 2, NMMemory: "8g", NMVCores: 8,
		Conf: []string{"spindle.log.level=info"}})
	job := testutil.TestJobBinary(b)
	var toAM, toExecutors []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		stop := filepath.Join(b.TempDir(), "stop")
		start := time.Now()
		sub := c.Submit("--num-executors", "4", "--executor-memory", "256m", "--driver-memory", "256m", "--conf", "spindle.driver.mode=process", job, "--until-file", stop)
		appID := sub.AppID()
		amDone := false
		testutil.WaitFor(b, 30*time.Second, func() (bool, string) {
			if !amDone && c.Report(appID).GetState() == pb.ApplicationState_APPLICATION_STATE_RUNNING {
				toAM = append(toAM, time.Since(start))
				amDone = true
			}
			if !amDone {
				return false, "AM not registered"
			}
			n := 0
			for _, cs := range c.RunningContainers(appID) {
				for _, ct := range cs {
					if ct.ID[len(ct.ID)-7:] != "_000001" {
						n++
					}
				}
			}
			return n == 4, "executors not all running"
		})
		toExecutors = append(toExecutors, time.Since(start))
		b.StopTimer()
		os.WriteFile(stop, nil, 0o644)
		if err := sub.Wait(30 * time.Second); err != nil {
			b.Fatalf("submit: %v", err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	median := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2].Microseconds()) / 1000
	}
	b.ReportMetric(median(toAM), "am-registered-ms")
	b.ReportMetric(median(toExecutors), "executors-running-ms")
}
