package clustertest

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/testutil"
)

// TestDevRestartsADaemonThatDies: a NodeManager of `spindle dev --demo`
// that dies is started again, as a supervisor would, instead of ending
// the whole cluster; the demo goes on and its sink is exact when it stops.
func TestDevRestartsADaemonThatDies(t *testing.T) {
	bin := testutil.SpindleBinary(t)
	dir := filepath.Join(t.TempDir(), "dev")
	dev := startDev(t, bin, dir)
	dev.waitLine(t, regexp.MustCompile(`its ApplicationMaster serves`), 60*time.Second)
	m := dev.waitLine(t, regexp.MustCompile(`NodeManager 1 +pid (\d+)`), time.Second)
	pid, _ := strconv.Atoi(m[1])
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	dev.waitLine(t, regexp.MustCompile(`nodemanager-1 \(pid `+m[1]+`\) exited: .*restarting it in`), 30*time.Second)
	dev.waitLine(t, regexp.MustCompile(`nodemanager-1 restarted \(pid \d+\)`), 60*time.Second)
	// Batches go on after the restart, past transaction 200, the first
	// invalid one (one in 200 is).
	after := len(dev.output())
	batchRE := regexp.MustCompile(`(?m)^batch \S+ +(\d+) records`)
	testutil.WaitFor(t, 90*time.Second, func() (bool, string) {
		read := 0
		for _, m := range batchRE.FindAllStringSubmatch(dev.output(), -1) {
			n, _ := strconv.Atoi(m[1])
			read += n
		}
		later := len(batchRE.FindAllString(dev.output()[after:], -1))
		return read >= 250 && later >= 3, fmt.Sprintf("the job has read %d transactions, %d batches since the restart", read, later)
	})
	dev.cmd.Process.Signal(syscall.SIGINT)
	if err := dev.wait(t, 90*time.Second); err != nil {
		t.Fatalf("spindle dev exited with %v after SIGINT:\n%s", err, dev.output())
	}
	if !strings.Contains(dev.output(), "finished: SUCCEEDED") {
		t.Fatalf("the demo did not finish:\n%s", dev.output())
	}
	checkDemoSink(t, dev.output(), filepath.Join(dir, "output", "retail-demo"))
}
