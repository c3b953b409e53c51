package chaos

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func testReport() Report {
	at := time.Unix(3_000_000, 0)
	rec := func(k Kind, resumed time.Duration, attemptsAfter int) Recovery {
		return Recovery{Kill: Kill{Kind: k, At: at, Victim: "v-" + k.String(), AttemptsBefore: 1}, Recovered: true,
			Resumed: resumed, CaughtUp: resumed, Replaced: time.Second, NodeLost: Never, Elsewhere: Never, ClusterBack: Never,
			AttemptsAfter: attemptsAfter, InputRate: 500, MinProcessed: 250}
	}
	nm := rec(KillNodeManager, 2*time.Second, 1)
	nm.NodeLost, nm.Elsewhere, nm.ClusterBack = 3*time.Second, 6*time.Second, 7*time.Second
	kills := []Recovery{
		rec(KillExecutor, time.Second, 1), rec(KillExecutor, 2*time.Second, 1),
		rec(KillAM, 6*time.Second, 2), nm, rec(KillResourceManager, time.Second, 2),
	}
	by := summarize(kills)
	v := Verification{SinkLines: 10, StateChecked: true}
	return Report{
		AppID: "application_1_0001", ChaosStarted: at, Ended: at.Add(time.Minute), Kills: kills, ByKind: by,
		Targets: targets(by, v), Verification: v, NeverFailed: true, FinalState: "FINISHED", FinalStatus: "SUCCEEDED",
		States: []string{"RUNNING", "FINISHED"},
	}
}

func TestSummarizeAndTargets(t *testing.T) {
	r := testReport()
	ex := r.ByKind[0]
	if ex.Kind != KillExecutor || ex.Kills != 2 || ex.ResumedMean != 1500*time.Millisecond || ex.ResumedMax != 2*time.Second || ex.DipMean != 50 {
		t.Fatalf("executor summary %+v", ex)
	}
	if s := r.ByKind[3]; s.Kind != KillResourceManager || s.NewAttempts != 1 || s.NodeLostMax != Never {
		t.Fatalf("RM summary %+v", s)
	}
	met := map[string]bool{}
	for _, tg := range r.Targets {
		if !tg.Seen {
			t.Fatalf("target %q not measured", tg.Name)
		}
		met[tg.Name] = tg.Met
	}
	for name, want := range map[string]bool{
		"executor kill → batches complete again":                      true,
		"AM kill → batches complete again":                            false, // 6 s ≥ 5 s
		"NodeManager kill → node LOST in the RM":                      true,
		"NodeManager kill → its work running elsewhere":               true,
		"RM restart → running application untouched (no new attempt)": false,
		"records lost": true,
	} {
		if got, ok := met[name]; !ok || got != want {
			t.Errorf("target %q met = %v (present %v), want %v", name, got, ok, want)
		}
	}
	none := targets(summarize(nil), Verification{})
	if none[0].Seen || none[0].Measured != "no kill" {
		t.Fatalf("target without kills: %+v", none[0])
	}
}

func TestFailoverSummaryAndTargets(t *testing.T) {
	at := time.Unix(2_000_000, 0)
	kills := []Recovery{
		{Kill: Kill{Kind: RMActive, At: at, Victim: "rm1", NewActive: "rm2", RejoinedAs: "standby", AttemptsBefore: 1}, Recovered: true, Failover: 2 * time.Second, AttemptsAfter: 1},
		{Kill: Kill{Kind: RMActive, At: at.Add(time.Minute), Victim: "rm2", NewActive: "rm3", RejoinedAs: "standby", AttemptsBefore: 1}, Recovered: true, Failover: 6 * time.Second, AttemptsAfter: 1},
	}
	by := summarize(kills)
	i := slices.IndexFunc(by, func(s KindSummary) bool { return s.Kind == RMActive })
	if s := by[i]; s.Kills != 2 || s.FailoverMean != 4*time.Second || s.FailoverMax != 6*time.Second || s.NewAttempts != 0 {
		t.Fatalf("rm-active summary %+v", s)
	}
	got := map[string]Target{}
	for _, tg := range targets(by, Verification{}) {
		got[tg.Name] = tg
	}
	if tg := got["active RM killed → new active accepting submissions"]; !tg.Seen || tg.Met || tg.Measured != "6.0s" {
		t.Fatalf("failover target %+v, want seen and missed at 6.0s (≥ 5 s)", tg)
	}
	if tg := got["active RM killed → running application untouched (no new attempt)"]; !tg.Met {
		t.Fatalf("no-new-attempt target %+v", tg)
	}
	r := Report{ChaosStarted: at, Ended: at.Add(2 * time.Minute), Kills: kills, ByKind: by, Settings: Settings{RMs: 3, Faults: []Kind{RMActive}}}
	var b strings.Builder
	if err := r.WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"HA group of 3 ResourceManagers", "2.0s → rm2", "rm1, back as standby", "4.0s / 6.0s"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

func TestReportOKAndSummary(t *testing.T) {
	r := testReport()
	if !r.OK() {
		t.Fatal("report with exact output and recovered kills is not OK")
	}
	var b strings.Builder
	if err := r.WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"AM (driver)", "NodeManager kill → node LOST in the RM", "1.5s / 2.0s", "Verdict: PASS", "never FAILED"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
	for name, spoil := range map[string]func(*Report){
		"failed":        func(r *Report) { r.NeverFailed = false },
		"not succeeded": func(r *Report) { r.FinalStatus = "FAILED" },
		"lost":          func(r *Report) { r.Verification.Lost = 1 },
		"not recovered": func(r *Report) { r.Kills[0].Recovered = false },
		"crash":         func(r *Report) { r.Crashes = []string{"nodemanager-0"} },
	} {
		bad := testReport()
		spoil(&bad)
		if bad.OK() {
			t.Errorf("%s: report OK", name)
		}
	}
}

func TestReportJSONRoundTrip(t *testing.T) {
	r := testReport()
	p := filepath.Join(t.TempDir(), ReportFile)
	if err := r.writeJSON(p); err != nil {
		t.Fatal(err)
	}
	back, err := ReadReport(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Kills) != len(r.Kills) || back.Kills[2].Kind != KillAM || back.Kills[3].NodeLost != 3*time.Second || !back.OK() {
		t.Fatalf("round trip lost data: %+v", back.Kills)
	}
	if _, err := ReadReport(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Fatal("reading a missing report succeeded")
	}
}

func TestNodeLostMissedFailsItsTarget(t *testing.T) {
	at := time.Unix(3_000_000, 0)
	kills := []Recovery{
		{Kill: Kill{Kind: KillNodeManager, At: at}, Recovered: true, NodeLost: 2 * time.Second, Resumed: time.Second, Replaced: time.Second, Elsewhere: time.Second, ClusterBack: 5 * time.Second},
		{Kill: Kill{Kind: KillNodeManager, At: at}, Recovered: true, NodeLost: Never, Resumed: time.Second, Replaced: time.Second, Elsewhere: time.Second, ClusterBack: 5 * time.Second},
	}
	by := summarize(kills)
	for _, tg := range targets(by, Verification{}) {
		if strings.Contains(tg.Name, "node LOST") {
			if tg.Met || tg.Measured != "not before its restart in 1 of 2" {
				t.Fatalf("node LOST target %+v: a kill never seen LOST must fail it", tg)
			}
			return
		}
	}
	t.Fatal("no node LOST target")
}
