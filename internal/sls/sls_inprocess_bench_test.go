package sls

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/resourcemanager"
)

// BenchmarkSLSInProcess is BenchmarkSLS at 10,000 nodes with the RM in
// the benchmark's own process (resourcemanager.DefaultConfig, state store
// off, as shipped), so that -cpuprofile, -mutexprofile and -blockprofile
// see the RM and the simulator together. rm-cores is then both.
func BenchmarkSLSInProcess(b *testing.B) {
	for range b.N {
		tls := testutil.NewClusterTLS(b, filepath.Join(b.TempDir(), "tls"))
		rcfg := resourcemanager.DefaultConfig()
		tls.SecureRM(b, &rcfg)
		rm, err := resourcemanager.New(rcfg)
		if err != nil {
			b.Fatal(err)
		}
		if err := rm.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		a := rm.Addresses()
		cfg := DefaultConfig()
		cfg.ClientAddress, cfg.TrackerAddress, cfg.RMPid = a.Client, a.Tracker, os.Getpid()
		cfg.Nodes = 10000
		cfg.ClientTLS = tls.ClientTLS
		if cfg.NodeTLS, err = pki.LoadFiles(pki.Files{CA: tls.CA, Cert: tls.NM, Key: pki.KeyFileFor(tls.NM)}, nil); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		r, err := Run(ctx, cfg)
		cancel()
		rm.Stop(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		b.Log(r)
		b.ReportMetric(r.AllocationsPerSecond, "allocations/s")
		b.ReportMetric(float64(r.HeartbeatP99.Microseconds())/1000, "heartbeat-p99-ms")
		b.ReportMetric(r.RMCores, "process-cores")
	}
}
