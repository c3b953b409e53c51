package sls

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveBinary()
	os.Exit(code)
}

// startRM starts a real RM process at shipped defaults but for its
// addresses and log level, which it prints, and returns with it a user's
// and a NodeManager's certificates of its CA.
func startRM(tb testing.TB) (*testutil.Daemon, testutil.RMAddresses, *testutil.ClusterTLS) {
	tb.Helper()
	dir := tb.TempDir()
	certs := testutil.NewClusterTLS(tb, filepath.Join(dir, "tls"))
	conf := []string{
		"spindle.tmp.dir=" + filepath.Join(dir, "rm"),
		"yarn.resourcemanager.address=127.0.0.1:0",
		"yarn.resourcemanager.resource-tracker.address=127.0.0.1:0",
		"yarn.resourcemanager.webapp.address=127.0.0.1:0",
		"spindle.memberlist.bind-address=127.0.0.1:0",
		"spindle.log.level=warn",
	}
	args := []string{"resourcemanager"}
	for _, kv := range append(conf, certs.RMConf()...) {
		args = append(args, "--conf", kv)
	}
	tb.Logf("RM at shipped defaults except: %v", conf)
	rm := testutil.StartDaemon(tb, "resourcemanager", args...)
	var addrs testutil.RMAddresses
	rm.Ready(&addrs)
	return rm, addrs, certs
}

// useTLS gives cfg the certificates of certs' cluster.
func useTLS(tb testing.TB, cfg *Config, certs *testutil.ClusterTLS) {
	tb.Helper()
	nm, err := pki.LoadFiles(pki.Files{CA: certs.CA, Cert: certs.NM, Key: pki.KeyFileFor(certs.NM)}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.ClientTLS, cfg.NodeTLS = certs.ClientTLS, nm
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
				rm, addrs, certs := startRM(b)
				cfg := DefaultConfig()
				cfg.ClientAddress, cfg.TrackerAddress, cfg.RMPid = addrs.Client, addrs.Tracker, rm.PID()
				useTLS(b, &cfg, certs)
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
