package testutil

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/spindlehq/spindle/nodemanager"
	"github.com/spindlehq/spindle/resourcemanager"
)

// InProcessCluster is an RM and NMs running inside the test process, for
// benchmarks that measure the daemons rather than process start-up.
type InProcessCluster struct {
	RM  *resourcemanager.ResourceManager
	NMs []*nodemanager.NodeManager
	TLS *ClusterTLS
}

// StartInProcess starts an RM and n NMs of memoryMB and vcores each on
// 127.0.0.1 with OS-chosen ports; they stop when the test ends.
func StartInProcess(tb testing.TB, n int, memoryMB int64, vcores int32) *InProcessCluster {
	tb.Helper()
	// Containers run as nobody, who cannot run the test binary; building
	// spindle comes before the daemons' start-up deadline.
	bin := SpindleBinary(tb)
	// Containers run as nobody: they must pass through to their dirs.
	dir := SharedDir(tb)
	if err := os.Chmod(dir, 0o711); err != nil {
		tb.Fatal(err)
	}
	tls := NewClusterTLS(tb, filepath.Join(dir, "tls"))
	rmCfg := resourcemanager.DefaultConfig()
	tls.SecureRM(tb, &rmCfg)
	rmCfg.HeartbeatInterval = 100 * time.Millisecond
	rm, err := resourcemanager.New(rmCfg)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := rm.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	registerAddr(rm.Addresses().Client, tls.ClientTLS)
	registerAddr(rm.Addresses().Web, tls.ClientTLS)
	// Tests that speak for a node of their own do it with the NMs'
	// certificate, which is valid for this host's nodes.
	registerAddr(rm.Addresses().Tracker, tls.material(tb, tls.NM))
	c := &InProcessCluster{RM: rm, TLS: tls}
	tb.Cleanup(func() {
		for _, nm := range c.NMs {
			nm.Stop(context.Background())
		}
		rm.Stop(context.Background())
	})
	for i := 0; i < n; i++ {
		cfg := nodemanager.DefaultConfig()
		cfg.ResourceTrackerAddress = rm.Addresses().Tracker
		cfg.TLS = tls.material(tb, tls.NM)
		cfg.SpindleBinary = bin
		cfg.MemoryMB, cfg.VCores = memoryMB, vcores
		cfg.LocalDirs = []string{filepath.Join(dir, "nm"+strconv.Itoa(i), "local")}
		cfg.LogDirs = []string{filepath.Join(dir, "nm"+strconv.Itoa(i), "logs")}
		nm, err := nodemanager.New(cfg)
		if err != nil {
			tb.Fatal(err)
		}
		if err := nm.Start(ctx); err != nil {
			tb.Fatal(err)
		}
		c.NMs = append(c.NMs, nm)
		registerAddr(nm.NodeID(), tls.ClientTLS)
		registerAddr(nm.Addresses().Web, tls.ClientTLS)
	}
	return c
}
