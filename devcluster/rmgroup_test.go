package devcluster

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/spindlehq/spindle/internal/testutil"
	"go.uber.org/zap/zaptest"
)

// TestClusterWithRMGroup: spindle dev --rms 3 runs three RMs, one active;
// the client conf dir reaches the group, rmadmin shows the roles, and
// Stop ends every RM.
func TestClusterWithRMGroup(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dir = filepath.Join(t.TempDir(), "dev")
	cfg.Binary = testutil.SpindleBinary(t)
	cfg.NodeManagers = 1
	cfg.RMs = 3
	cfg.RandomPorts = true
	cfg.Logger = zaptest.NewLogger(t)
	c, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	in := c.Info()
	if len(in.RMs) != 3 {
		t.Fatalf("info lists %d RMs, want 3: %+v", len(in.RMs), in.RMs)
	}
	out, err := exec.Command(cfg.Binary, "node", "-list", "--conf-dir", in.ConfDir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Total Nodes:1") {
		t.Fatalf("spindle node -list with the dev conf dir: %v\n%s", err, out)
	}
	out, err = exec.Command(cfg.Binary, "rmadmin", "-getAllServiceState", "--conf-dir", in.ConfDir).CombinedOutput()
	if err != nil || strings.Count(string(out), "active") != 1 || strings.Count(string(out), "standby") != 2 {
		t.Fatalf("rmadmin -getAllServiceState: %v, want one active and two standby:\n%s", err, out)
	}
	if err := c.Stop(context.Background()); err != nil {
		t.Fatalf("stop: %v", err)
	}
	for _, rm := range in.RMs {
		if err := syscall.Kill(rm.PID, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s (pid %d) still there after Stop: %v", rm.ID, rm.PID, err)
		}
	}
}
