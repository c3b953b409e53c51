package clustertest

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/testutil"
)

// TestContainerOverMemoryLimitIsKilled runs containers that touch more memory
// than they were allocated and checks YARN's diagnostic and exit status.
func TestContainerOverMemoryLimitIsKilled(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	// 64 MiB + 64 MiB overhead = 128 MiB allocated.
	tests := []struct {
		name string
		hog  string
	}{
		{"above the limit for two samples", "hog:200"},
		{"above twice the limit", "hog:400"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := am.AllocateUntil(testutil.Ask(1, 64, 64, 1), 1, 5*time.Second)
			if len(got) != 1 {
				t.Fatalf("allocated %d containers, want 1", len(got))
			}
			ct := got[0]
			am.Launch(ct, helperCommand(t), map[string]string{helperEnv: tc.hog})
			st := am.WaitCompleted(ct.GetId(), 15*time.Second)
			if st.GetExitStatus() != -104 {
				t.Fatalf("exit status %d, want -104 (KILLED_EXCEEDED_PMEM); diagnostics: %s", st.GetExitStatus(), st.GetDiagnostics())
			}
			re := regexp.MustCompile(`^Container \[pid=\d+,containerID=` + regexp.QuoteMeta(ct.GetId()) +
				`\] is running beyond physical memory limits\. Current usage: \d+\.\d [MG]B of 128 MB physical memory used\. Killing container\.`)
			if !re.MatchString(st.GetDiagnostics()) {
				t.Errorf("diagnostics do not start with YARN's sentence:\n%s", st.GetDiagnostics())
			}
			if !strings.Contains(st.GetDiagnostics(), "spark.executor.memoryOverhead") {
				t.Errorf("diagnostics do not name spark.executor.memoryOverhead:\n%s", st.GetDiagnostics())
			}
		})
	}
}

// TestContainerEnvironment checks what a container process is given,
// including GOMEMLIMIT = the memory part of its allocation.
func TestContainerEnvironment(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	got := am.AllocateUntil(testutil.Ask(1, 1024, 0, 1), 1, 5*time.Second)
	if len(got) != 1 {
		t.Fatalf("allocated %d containers, want 1", len(got))
	}
	ct := got[0]
	am.Launch(ct, helperCommand(t), map[string]string{helperEnv: "env"})
	want := []string{"CONTAINER_ID=" + ct.GetId(), "APPLICATION_ID=" + am.AppID, "GOMEMLIMIT=1024MiB", "NM_ADDRESS=" + ct.GetNodeAddress()}
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		out := c.ContainerStdout(0, am.AppID, ct.GetId())
		for _, w := range want {
			if !strings.Contains(out, w+"\n") {
				return false, "stdout lacks " + w + ": " + out
			}
		}
		return true, ""
	})
}
