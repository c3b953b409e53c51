package devcluster

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"go.uber.org/zap/zaptest"
)

func TestClusterStartStop(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dir = filepath.Join(t.TempDir(), "dev")
	cfg.Binary = testutil.SpindleBinary(t)
	cfg.NodeManagers = 1
	cfg.RandomPorts = true
	cfg.Logger = zaptest.NewLogger(t)
	c, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	in := c.Info()
	if in.RMPID == 0 || len(in.NodeManagers) != 1 || in.NodeManagers[0].PID == 0 || len(in.Kafka) != 1 {
		t.Fatalf("info %+v", in)
	}
	if want := "file://" + in.Dir + "/checkpoints"; in.CheckpointRoot != want {
		t.Errorf("checkpoint root %s, want %s", in.CheckpointRoot, want)
	}

	// The client conf dir points spindle's commands at the cluster.
	out, err := exec.Command(cfg.Binary, "node", "-list", "--conf-dir", in.ConfDir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Total Nodes:1") || !strings.Contains(string(out), in.NodeManagers[0].NodeID) {
		t.Fatalf("spindle node -list with the dev conf dir: %v\n%s", err, out)
	}

	// A second cluster in the same directory is refused.
	if _, err := Start(context.Background(), cfg); !errors.Is(err, ErrDirInUse) {
		t.Fatalf("second cluster in %s: %v, want ErrDirInUse", cfg.Dir, err)
	}

	pids := []int{in.RMPID, in.NodeManagers[0].PID}
	if err := c.Stop(context.Background()); err != nil {
		t.Fatalf("stop: %v", err)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("daemon %d still there after Stop: %v", pid, err)
		}
	}
	if err := c.Stop(context.Background()); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// TestClusterRestartsADaemonThatDies: an NM that dies is started again by
// its supervisor, on its node id, and reported as a crash; one killed by
// KillDaemon comes back after its hold and is no crash.
func TestClusterRestartsADaemonThatDies(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dir = filepath.Join(t.TempDir(), "dev")
	cfg.Binary = testutil.SpindleBinary(t)
	cfg.NodeManagers = 1
	cfg.RandomPorts = true
	var out testutil.SyncBuffer
	cfg.Out = &out
	c, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	before := c.Info().NodeManagers[0]
	syscall.Kill(before.PID, syscall.SIGKILL)
	running := func(what string) NodeManagerInfo {
		var now NodeManagerInfo
		testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
			now = c.Info().NodeManagers[0]
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			m, err := c.Client().GetClusterMetrics(ctx, &pb.GetClusterMetricsRequest{})
			return now.PID != before.PID && err == nil && m.GetMetrics().GetActiveNodes() == 1, what + ": nodemanager-0 not running again"
		})
		return now
	}
	after := running("after SIGKILL")
	if after.NodeID != before.NodeID {
		t.Fatalf("restarted NM is node %s, was %s", after.NodeID, before.NodeID)
	}
	if crashes := c.Crashes(); len(crashes) != 1 || !strings.Contains(crashes[0], "nodemanager-0") {
		t.Fatalf("crashes %v, want the NM's", crashes)
	}
	if !strings.Contains(out.String(), "nodemanager-0") || !strings.Contains(out.String(), "restarting") {
		t.Fatalf("the restart was not reported:\n%s", out.String())
	}
	before = after
	killed := time.Now()
	if _, err := c.KillDaemon("nodemanager-0", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	running("after KillDaemon")
	if back := c.StartedAt("nodemanager-0").Sub(killed); back < 2*time.Second {
		t.Fatalf("held for 2 s, restarted after %v", back)
	}
	if crashes := c.Crashes(); len(crashes) != 1 {
		t.Fatalf("crashes %v after a kill on purpose, want only the first", crashes)
	}
}

func TestStartFailsClearly(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	port := lis.Addr().(*net.TCPAddr).Port
	if err := checkPortsFree(port); !errors.Is(err, ErrPortInUse) || !strings.Contains(err.Error(), strconv.Itoa(port)) || !strings.Contains(err.Error(), "--random-ports") {
		t.Fatalf("busy port: %v, want ErrPortInUse naming %d and --random-ports", err, port)
	}

	// A daemon that cannot start is reported with the end of its output.
	cfg := DefaultConfig()
	cfg.Dir = filepath.Join(t.TempDir(), "dev")
	cfg.Binary = testutil.SpindleBinary(t)
	cfg.RandomPorts = true
	cfg.NMMemory = "lots"
	var out bytes.Buffer
	cfg.Out = &out
	_, err = Start(context.Background(), cfg)
	if !errors.Is(err, ErrDaemonExited) || !strings.Contains(err.Error(), "nodemanager-0") || !strings.Contains(err.Error(), "lots") {
		t.Fatalf("NM with bad memory: %v, want ErrDaemonExited naming nodemanager-0 and the bad value", err)
	}
}

func TestConfigValidate(t *testing.T) {
	good := DefaultConfig()
	good.Binary = "/bin/spindle"
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*Config){
		"no dir":       func(c *Config) { c.Dir = "" },
		"no binary":    func(c *Config) { c.Binary = "" },
		"no NMs":       func(c *Config) { c.NodeManagers = 0 },
		"no memory":    func(c *Config) { c.NMMemory = "" },
		"no vcores":    func(c *Config) { c.NMVCores = 0 },
		"no timeout":   func(c *Config) { c.StartTimeout = 0 },
		"empty topic":  func(c *Config) { c.Topics = map[string]int32{"": 1} },
		"no partition": func(c *Config) { c.Topics = map[string]int32{"t": 0} },
		"even RMs":     func(c *Config) { c.RMs = 2 },
		"no RM":        func(c *Config) { c.RMs = 0 },
	} {
		c := good
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: validated", name)
		}
	}
}
