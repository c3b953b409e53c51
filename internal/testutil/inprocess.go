package testutil

import (
	"context"
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
}

// StartInProcess starts an RM and n NMs of memoryMB and vcores each on
// 127.0.0.1 with OS-chosen ports; they stop when the test ends.
func StartInProcess(tb testing.TB, n int, memoryMB int64, vcores int32) *InProcessCluster {
	tb.Helper()
	return StartInProcessWith(tb, n, memoryMB, vcores, nil)
}

// StartInProcessWith is StartInProcess with each NM's configuration
// changed by edit (nil: none) before it starts.
func StartInProcessWith(tb testing.TB, n int, memoryMB int64, vcores int32, edit func(*nodemanager.Config)) *InProcessCluster {
	tb.Helper()
	dir := tb.TempDir()
	secret := filepath.Join(dir, "cluster-secret")
	rmCfg := resourcemanager.DefaultConfig()
	rmCfg.SecretFile = secret
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
	c := &InProcessCluster{RM: rm}
	tb.Cleanup(func() {
		for _, nm := range c.NMs {
			nm.Stop(context.Background())
		}
		rm.Stop(context.Background())
	})
	for i := 0; i < n; i++ {
		cfg := nodemanager.DefaultConfig()
		cfg.ResourceTrackerAddress = rm.Addresses().Tracker
		cfg.SecretFile = secret
		cfg.MemoryMB, cfg.VCores = memoryMB, vcores
		cfg.LocalDirs = []string{filepath.Join(dir, "nm"+strconv.Itoa(i), "local")}
		cfg.LogDirs = []string{filepath.Join(dir, "nm"+strconv.Itoa(i), "logs")}
		if edit != nil {
			edit(&cfg)
		}
		nm, err := nodemanager.New(cfg)
		if err != nil {
			tb.Fatal(err)
		}
		if err := nm.Start(ctx); err != nil {
			tb.Fatal(err)
		}
		c.NMs = append(c.NMs, nm)
	}
	return c
}
