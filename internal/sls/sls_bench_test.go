package sls

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/testutil"
	"go.uber.org/zap"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveBinary()
	os.Exit(code)
}

// startRM starts a real RM process at shipped defaults but for its
// addresses and log level, which it prints.
func startRM(tb testing.TB) (*testutil.Daemon, testutil.RMAddresses) {
	tb.Helper()
	dir := tb.TempDir()
	conf := []string{
		"spindle.cluster.secret-file=" + filepath.Join(dir, "secret"),
		"spindle.tmp.dir=" + filepath.Join(dir, "rm"),
		"yarn.resourcemanager.address=127.0.0.1:0",
		"yarn.resourcemanager.resource-tracker.address=127.0.0.1:0",
		"yarn.resourcemanager.webapp.address=127.0.0.1:0",
		"spindle.memberlist.bind-address=127.0.0.1:0",
		"spindle.log.level=warn",
	}
	args := []string{"resourcemanager"}
	for _, kv := range conf {
		args = append(args, "--conf", kv)
	}
	tb.Logf("RM at shipped defaults except: %v", conf)
	rm := testutil.StartDaemon(tb, "resourcemanager", args...)
	var addrs testutil.RMAddresses
	rm.Ready(&addrs)
	return rm, addrs
}

// BenchmarkSLS runs the load simulator against a real RM process at 1,000,
// 5,000 and 10,000 simulated nodes (DefaultConfig otherwise: 64 GiB and 16
// vcores a node, 100 AMs keeping 90% of the 4 GiB containers running for
// 4 s each) and reports allocations/s, heartbeat and allocate latency, and
// the RM's CPU and memory. The simulator shares the machine with the RM:
// sim-cores is what it used.
func BenchmarkSLS(b *testing.B) {
	for _, nodes := range []int{1000, 5000, 10000} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			for range b.N {
				rm, addrs := startRM(b)
				cfg := DefaultConfig()
				cfg.ClientAddress, cfg.TrackerAddress, cfg.RMPid = addrs.Client, addrs.Tracker, rm.PID()
				cfg.Nodes = nodes
				cfg.Logger = zap.NewNop()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				r, err := Run(ctx, cfg)
				cancel()
				if err != nil {
					b.Fatal(err)
				}
				b.Log(r)
				b.ReportMetric(r.AllocationsPerSecond, "allocations/s")
				b.ReportMetric(float64(r.HeartbeatP50.Microseconds())/1000, "heartbeat-p50-ms")
				b.ReportMetric(float64(r.HeartbeatP99.Microseconds())/1000, "heartbeat-p99-ms")
				b.ReportMetric(float64(r.AllocateP99.Microseconds())/1000, "allocate-p99-ms")
				b.ReportMetric(r.RMCores, "rm-cores")
				b.ReportMetric(r.SimCores, "sim-cores")
				b.ReportMetric(float64(r.RMPeakRSS>>20), "rm-peak-rss-MiB")
				b.ReportMetric(float64(r.Errors), "errors")
				rm.Stop()
			}
		})
	}
}
