package clustertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/chaos"
	"github.com/spindlehq/spindle/internal/testutil"
)

// TestChaosShortRun runs `spindle chaos` for two minutes: a cluster of
// real RM and NM processes runs the retail job while an executor, the AM,
// a NodeManager and the ResourceManager are each SIGKILLed at least once
// (seed 1 orders the first four kills over every kind). Every transaction
// produced must be in the sink or the dead letters exactly once, the state
// must hold every store's revenue, the application must never be FAILED
// and must end SUCCEEDED, every kill must be recovered from (a killed
// NodeManager's node LOST, an RM restart with no new attempt), no
// container process may outlive the cluster, and the timeline plot must
// be written.
func TestChaosShortRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "chaos-out")
	cmd := exec.Command(testutil.SpindleBinary(t), "chaos",
		"--duration", "2m", "--interval", "15s", "--seed", "1", "--rate", "500",
		"--out", out, "--job", testutil.Binary(t, "./examples/retail", "retail"))
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	started := time.Now()
	err := cmd.Run()
	t.Logf("spindle chaos ran %v:\n%s", time.Since(started).Round(time.Second), stdout.String())
	if err != nil {
		t.Fatalf("spindle chaos: %v\nstderr:\n%s", err, stderr.String())
	}

	rep, err := chaos.ReadReport(filepath.Join(out, chaos.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	v := rep.Verification
	if v.Lost != 0 || v.Duplicates != 0 || v.Unexpected != 0 || !v.OK() {
		t.Fatalf("output: %d lost %v, %d duplicates %v, %d unexpected %v; revenue %v; state checked %v %v; errors %v",
			v.Lost, v.LostIDs, v.Duplicates, v.DuplicateIDs, v.Unexpected, v.UnexpectedIDs, v.RevenueMismatch, v.StateChecked, v.StateMismatch, v.Errors)
	}
	if want := rep.Produced.Valid + rep.Produced.Invalid; v.SinkLines+v.DeadLetters != want || want < 50_000 {
		t.Fatalf("%d sink lines + %d dead letters for %d transactions produced (want them equal, and at least 2 minutes at 500/s)", v.SinkLines, v.DeadLetters, want)
	}
	if !rep.NeverFailed || rep.FinalState != "FINISHED" || rep.FinalStatus != "SUCCEEDED" {
		t.Fatalf("application states %v, ended %s/%s; want never FAILED, FINISHED/SUCCEEDED", rep.States, rep.FinalState, rep.FinalStatus)
	}
	killed := map[chaos.Kind]int{}
	for _, k := range rep.Kills {
		killed[k.Kind]++
		if !k.Recovered {
			t.Errorf("the %s kill of %s at %s was not recovered from: resumed %v, replaced %v, cluster back %v",
				k.Kind, k.Victim, k.At.Format(time.TimeOnly), k.Resumed, k.Replaced, k.ClusterBack)
		}
		// Gossip, not the 10 s heartbeat expiry, finds a dead node: it is
		// LOST before its supervisor brings it back 5 s after the kill,
		// also right after an RM restart.
		if k.Kind == chaos.KillNodeManager && k.NodeLost == chaos.Never {
			t.Errorf("node %s, killed at %s, was not LOST before it was restarted", k.Victim, k.At.Format(time.TimeOnly))
		}
		// A restarted RM takes the running application back as it was.
		if k.Kind == chaos.KillResourceManager && k.AttemptsAfter != k.AttemptsBefore {
			t.Errorf("the RM restart at %s took the application from %d to %d attempts", k.At.Format(time.TimeOnly), k.AttemptsBefore, k.AttemptsAfter)
		}
	}
	for _, kind := range chaos.Kinds {
		if killed[kind] == 0 {
			t.Errorf("no %s kill in %d kills", kind, len(rep.Kills))
		}
	}
	if len(rep.Crashes) > 0 || len(rep.Leftovers) > 0 || len(rep.Errors) > 0 {
		t.Fatalf("crashes %v, processes left over %v, errors %v", rep.Crashes, rep.Leftovers, rep.Errors)
	}
	plot, err := os.Stat(filepath.Join(out, chaos.TimelineFile))
	if err != nil || plot.Size() == 0 || rep.Plot != filepath.Join(out, chaos.TimelineFile) {
		t.Fatalf("timeline plot: %v (report names %q)", err, rep.Plot)
	}
	if !strings.Contains(stdout.String(), "Verdict: PASS") {
		t.Fatal("the summary does not end with Verdict: PASS")
	}
}
