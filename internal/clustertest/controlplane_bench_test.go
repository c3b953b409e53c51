package clustertest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
)

// controlPlaneJob is the streaming job the control-plane benchmarks run:
// examples/wordcount with 2 executors of 1 core, at shipped defaults but
// for what it prints and the settings changed (key=value), which the
// benchmark prints.
func controlPlaneJob(b *testing.B, c *testutil.Cluster, broker *kafkatest.Broker, topic, dir string, changed ...string) *testutil.Submission {
	b.Helper()
	wordcount := testutil.Binary(b, "./examples/wordcount", "wordcount")
	args := []string{"--num-executors", "2", "--executor-memory", "256m", "--driver-memory", "256m",
		"--conf", "spindle.kafka.bootstrap.servers=" + strings.Join(broker.Addrs(), ","),
		"--conf", "spindle.kafka.topics=" + topic,
		"--conf", "spindle.checkpoint.dir=file://" + dir + "/checkpoint",
		"--conf", "spindle.sink.path=file://" + dir + "/out"}
	for _, kv := range changed {
		args = append(args, "--conf", kv)
	}
	return c.Submit(append(args, wordcount)...)
}

// logShippedTimings prints what a benchmark at shipped defaults changed.
func logShippedTimings(b *testing.B, changed ...string) {
	b.Logf("shipped defaults (1 s NM heartbeat, 1 s batches, spark.locality.wait 3 s) except: %s", strings.Join(append(slices.Clone(testutil.ShippedTimingChanges), changed...), ", "))
}

// driverRegistrations returns, for each executor container of appID found
// under the cluster's NM log dirs, when it logged its registration with
// the driver (the driver acknowledged it), from the line's own timestamp.
func driverRegistrations(c *testutil.Cluster, appID string) map[string]time.Time {
	return executorLines(c, appID, frameworkLine)
}

// pluginLine is what an executor logs once its job plugin is up.
const pluginLine = "job plugin started"

// executorLines returns, for each executor container of appID, when it
// first logged a line containing what.
func executorLines(c *testutil.Cluster, appID, what string) map[string]time.Time {
	out := map[string]time.Time{}
	logs, _ := filepath.Glob(filepath.Join(c.Dir, "nm*", "nm-logs", appID, "container_*", "spindle.log"))
	for _, path := range logs {
		if strings.HasSuffix(filepath.Dir(path), "_000001") {
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if !strings.Contains(line, what) {
				continue
			}
			if ts, err := time.Parse(time.RFC3339Nano, strings.Fields(line)[0]); err == nil {
				out[filepath.Base(filepath.Dir(path))] = ts
			}
			break
		}
		f.Close()
	}
	return out
}

// BenchmarkSubmitToExecutorsRegistered measures, at the shipped heartbeat
// and monitor intervals, the time from starting `spindle submit` of a
// streaming job (wordcount, 2 executors, 2 NMs) to its AM registered, to
// both executors registered with the driver and to both executors' job
// plugins up (an executor registers while its plugin starts, and runs
// tasks once it is up), as medians.
func BenchmarkSubmitToExecutorsRegistered(b *testing.B) {
	logShippedTimings(b)
	broker := kafkatest.Start(b, map[string]int32{"lines": 2})
	c := testutil.StartCluster(b, testutil.ClusterConfig{NodeManagers: 2, NMMemory: "8g", NMVCores: 8, ShippedTimings: true})
	// The binaries are built before the clock starts.
	testutil.Binary(b, "./examples/wordcount", "wordcount")
	var toAM, toExecutors, toPlugins []time.Duration
	b.ResetTimer()
	for range b.N {
		dir := testutil.SharedDir(b)
		start := time.Now()
		sub := controlPlaneJob(b, c, broker, "lines", dir)
		appID := sub.AppID()
		var amAt time.Time
		testutil.WaitFor(b, 60*time.Second, func() (bool, string) {
			if amAt.IsZero() && c.Report(appID).GetState() == pb.ApplicationState_APPLICATION_STATE_RUNNING {
				amAt = time.Now()
			}
			regs, plugins := driverRegistrations(c, appID), executorLines(c, appID, pluginLine)
			return !amAt.IsZero() && len(regs) == 2 && len(plugins) == 2, fmt.Sprintf("AM registered %v, executors registered %v, plugins up %v", !amAt.IsZero(), regs, plugins)
		})
		toAM = append(toAM, amAt.Sub(start))
		toExecutors = append(toExecutors, latest(driverRegistrations(c, appID)).Sub(start))
		toPlugins = append(toPlugins, latest(executorLines(c, appID, pluginLine)).Sub(start))
		if os.Getenv("SPINDLE_BENCH_TIMELINE") != "" {
			logTimeline(b, c, appID, start)
		}
		b.StopTimer()
		c.Client().KillApplication(context.Background(), &pb.KillApplicationRequest{ApplicationId: appID})
		c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_KILLED, 30*time.Second)
		sub.Wait(30 * time.Second)
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(medianMs(toAM), "am-registered-ms")
	b.ReportMetric(medianMs(toExecutors), "executors-registered-ms")
	b.ReportMetric(medianMs(toPlugins), "executor-plugins-up-ms")
}

// latest is the latest of times.
func latest(times map[string]time.Time) time.Time {
	var last time.Time
	for _, at := range times {
		if at.After(last) {
			last = at
		}
	}
	return last
}

// logTimeline prints the info lines of appID's containers' framework logs,
// after the submission's start, to see where the time to register goes
// (SPINDLE_BENCH_TIMELINE=1).
func logTimeline(b *testing.B, c *testutil.Cluster, appID string, start time.Time) {
	b.Logf("submitted at %s", start.UTC().Format(time.RFC3339Nano))
	logs, _ := filepath.Glob(filepath.Join(c.Dir, "nm*", "nm-logs", appID, "container_*", "spindle.log"))
	for _, l := range logs {
		raw, _ := os.ReadFile(l)
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.Contains(line, "\tinfo\t") {
				b.Logf("%s: %.200s", filepath.Base(filepath.Dir(l)), line)
			}
		}
	}
}

// BenchmarkExecutorKillToBatchCommitted measures, at the shipped
// intervals, the time from SIGKILLing one of a streaming job's two
// executors to the next batch commit, while 500 records/s stream in. Each
// kill comes at a random point of a batch interval, once both executors
// are registered again. It reports the p50 and the worst.
func BenchmarkExecutorKillToBatchCommitted(b *testing.B) {
	// Every kill is an executor failure: the application must outlive
	// b.N of them.
	failures := fmt.Sprintf("spark.yarn.max.executor.failures=%d", b.N+4)
	logShippedTimings(b, failures)
	broker := kafkatest.Start(b, map[string]int32{"lines": 2})
	c := testutil.StartCluster(b, testutil.ClusterConfig{NodeManagers: 2, NMMemory: "8g", NMVCores: 8, ShippedTimings: true})
	dir := testutil.SharedDir(b)
	stop := produceSteadily(b, broker, "lines", 2, 500)
	defer stop()
	sub := controlPlaneJob(b, c, broker, "lines", dir, failures)
	appID := sub.AppID()
	ckpt := filepath.Join(dir, "checkpoint")
	testutil.WaitFor(b, 60*time.Second, func() (bool, string) {
		return len(driverRegistrations(c, appID)) == 2 && len(testutil.BatchCommits(b, ckpt)) >= 2, "executors registering, first batches"
	})
	var lags []time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		// Both executors registered and running, then a point within the
		// batch interval that differs from kill to kill.
		var victim testutil.NMContainer
		testutil.WaitFor(b, 60*time.Second, func() (bool, string) {
			running := c.RunningContainers(appID)
			regs := driverRegistrations(c, appID)
			n := 0
			for _, cs := range running {
				for _, ct := range cs {
					if _, ok := regs[ct.ID]; ok {
						n++
						victim = ct
					}
				}
			}
			return n == 2, fmt.Sprintf("%d registered executors running", n)
		})
		time.Sleep(time.Duration(1+(i*137)%1000) * time.Millisecond)
		b.StartTimer()
		killed := time.Now()
		if err := syscall.Kill(int(victim.PID), syscall.SIGKILL); err != nil {
			b.Fatal(err)
		}
		var committed time.Time
		testutil.WaitFor(b, 60*time.Second, func() (bool, string) {
			for _, cm := range testutil.BatchCommits(b, ckpt) {
				if cm.ModTime.After(killed) {
					committed = cm.ModTime
					return true, ""
				}
			}
			return false, "no batch committed since the kill"
		})
		lags = append(lags, committed.Sub(killed))
	}
	b.StopTimer()
	b.ReportMetric(medianMs(lags), "kill-to-commit-p50-ms")
	b.ReportMetric(float64(slices.Max(lags).Microseconds())/1000, "kill-to-commit-max-ms")
	c.Client().KillApplication(context.Background(), &pb.KillApplicationRequest{ApplicationId: appID})
	sub.Wait(30 * time.Second)
}

// medianMs is the median of d in milliseconds.
func medianMs(d []time.Duration) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[len(s)/2].Microseconds()) / 1000
}

// produceSteadily produces rate records/s of a short line, spread over the
// topic's partitions, until the returned stop is called.
func produceSteadily(b *testing.B, broker *kafkatest.Broker, topic string, partitions int32, rate int) (stop func()) {
	b.Helper()
	var done atomic.Bool
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for n := 0; !done.Load(); n++ {
			<-tick.C
			for p := range partitions {
				broker.Produce(b, topic, p, rate/10/int(partitions), func(i int) ([]byte, []byte) {
					return nil, []byte("steady stream line " + strconv.Itoa(n*1000+i))
				})
			}
		}
	}()
	return func() { done.Store(true); <-finished }
}
