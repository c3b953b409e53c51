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
	out, stdout, _ := runChaos(t, "--duration", "2m", "--interval", "15s", "--seed", "1", "--rate", "500")
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
	for _, kind := range chaos.KillKinds {
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
	if !strings.Contains(stdout, "Verdict: PASS") {
		t.Fatal("the summary does not end with Verdict: PASS")
	}
}

// TestChaosOnHosts runs `spindle chaos` on five test hosts (the RM, Kafka,
// HDFS and two NodeManagers each on its own) with overlapping faults of
// every kind but slow links: SIGKILLs of an executor, the AM, a
// NodeManager and the ResourceManager, a partition, a whole-host crash,
// and Kafka and HDFS ceasing to answer. Every transaction produced must be
// in the output exactly once, the application must never be FAILED, every
// fault must be recovered from, and the ledger must check out again.
func TestChaosOnHosts(t *testing.T) {
	kinds := "executor,am,nm,rm,partition,host,kafka,hdfs"
	out, _, took := runChaos(t, "--hosts", "5", "--faults", kinds, "--overlap",
		"--duration", "100s", "--interval", "8s", "--fault-min", "5s", "--fault-max", "12s", "--host-down", "8s",
		"--seed", "3", "--rate", "300")
	if took > 4*time.Minute {
		t.Errorf("the run took %v, more than the 4 minutes it is meant to", took.Round(time.Second))
	}
	rep, err := chaos.ReadReport(filepath.Join(out, chaos.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	v := rep.Verification
	if !v.OK() || rep.Produced.Total() < 20_000 || v.SinkLines+v.DeadLetters < rep.Produced.Total() {
		t.Fatalf("output: %d lost %v, %d duplicates %v, %d unexpected %v, %d sink lines + %d dead letters for %d produced; errors %v",
			v.Lost, v.LostIDs, v.Duplicates, v.DuplicateIDs, v.Unexpected, v.UnexpectedIDs, v.SinkLines, v.DeadLetters, rep.Produced.Total(), v.Errors)
	}
	if !rep.NeverFailed || rep.FinalStatus != "SUCCEEDED" {
		t.Fatalf("application states %v, ended %s/%s", rep.States, rep.FinalState, rep.FinalStatus)
	}
	want, _ := chaos.ParseKinds(kinds)
	seen := map[chaos.Kind]int{}
	for _, k := range rep.Kills {
		seen[k.Kind]++
		if !k.Recovered {
			t.Errorf("the %s fault of %s at %s was not recovered from: resumed %v, after its end %v, replaced %v, cluster back %v",
				k.Kind, k.Victim, k.At.Format(time.TimeOnly), k.Resumed, k.AfterEnd, k.Replaced, k.ClusterBack)
		}
	}
	for _, kind := range want {
		if seen[kind] == 0 {
			t.Errorf("no %s fault in %d faults", kind, len(rep.Kills))
		}
	}
	if len(rep.Crashes) > 0 || len(rep.Leftovers) > 0 || len(rep.Errors) > 0 {
		t.Fatalf("crashes %v, processes left over %v, errors %v", rep.Crashes, rep.Leftovers, rep.Errors)
	}
	// The verdict can be checked again from the files the run left.
	again, err := exec.Command(testutil.SpindleBinary(t), "chaos", "--verify", out).CombinedOutput()
	if err != nil || !strings.Contains(string(again), "Verdict: PASS") {
		t.Fatalf("spindle chaos --verify: %v\n%s", err, again)
	}
}

// runChaos runs `spindle chaos` with args, the retail job and an output
// dir of the test's, and returns the dir, what it printed and how long it
// ran; it fails the test when the run fails.
func runChaos(t *testing.T, args ...string) (out, stdout string, took time.Duration) {
	t.Helper()
	out = filepath.Join(t.TempDir(), "chaos-out")
	args = append([]string{"chaos", "--out", out, "--job", testutil.Binary(t, "./examples/retail", "retail")}, args...)
	cmd := exec.Command(testutil.SpindleBinary(t), args...)
	var so, se strings.Builder
	cmd.Stdout, cmd.Stderr = &so, &se
	started := time.Now()
	err := cmd.Run()
	took = time.Since(started)
	t.Logf("spindle chaos ran %v:\n%s", took.Round(time.Second), so.String())
	if err != nil {
		t.Fatalf("spindle chaos: %v\nstderr:\n%s", err, se.String())
	}
	return out, so.String(), took
}
