package clustertest

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
)

// TestPageViewsExample runs examples/pageviews on a cluster: users'
// sessions and the top titles of a sliding window, both on the
// executors, checked against a recount of the views produced.
func TestPageViewsExample(t *testing.T) {
	runPageViews(t, 0)
}

// TestPageViewsExampleUnderExecutorKills is a short chaos run of
// examples/pageviews: while views stream in, an executor is SIGKILLed
// three times, each once two batches have committed after the last; the
// ApplicationMaster replaces it, its state is rebuilt elsewhere, and every session and window is still exactly
// what a recount gives: nothing lost, nothing counted twice.
func TestPageViewsExampleUnderExecutorKills(t *testing.T) {
	runPageViews(t, 3)
}

func runPageViews(t *testing.T, kills int) {
	const top = 3
	x := testutil.StagesExpect{Window: 4 * time.Second, Slide: 2 * time.Second, Timeout: 3 * time.Second}
	b := kafkatest.Start(t, map[string]int32{"views": 3})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	dir := testutil.SharedDir(t)
	sub := streamingJob(c, b, "views", dir, stagesConf, testutil.Binary(t, "./examples/pageviews", "pageviews"),
		"--session-timeout", x.Timeout.String(), "--window", x.Window.String(), "--slide", x.Slide.String(), "--top", strconv.Itoa(top))
	appID := sub.AppID()
	in := testutil.StagesInput{Topic: "views", Values: map[int32][]string{}}
	killed := 0
	for wave := range 2 + kills {
		for p := range int32(3) {
			base := len(in.Values[p])
			b.Produce(t, "views", p, 200, func(i int) ([]byte, []byte) {
				user, title := fmt.Sprintf("u%d", ((base+i)*7+int(p))%13), fmt.Sprintf("t%d", ((base+i)*(base+i)+int(p))%9)
				in.Values[p] = append(in.Values[p], user+" "+title)
				return []byte(user), fmt.Appendf(nil, `{"user":%q,"title":%q}`, user, title)
			})
		}
		if killed < kills && wave > 0 {
			ex := runningExecutor(t, c, appID)
			t.Logf("wave %d: SIGKILL executor %s", wave+1, ex.ID)
			sigkill(t, ex)
			killed++
			// The next kill waits until the stream has gone on: two
			// batches committed after this one.
			n := len(testutil.BatchCommits(t, filepath.Join(dir, "checkpoint")))
			testutil.WaitFor(t, time.Minute, func() (bool, string) {
				return len(testutil.BatchCommits(t, filepath.Join(dir, "checkpoint"))) >= n+2, "waiting for two batches after the kill"
			})
		}
	}
	waitCommittedUntil(t, b, "views", 3, dir, 3*time.Minute)
	// Idle batches, so that every session times out and the window
	// slides past the last views.
	ckpt := filepath.Join(dir, "checkpoint")
	until := time.Now().Add(x.Window + x.Timeout)
	testutil.WaitFor(t, time.Minute, func() (bool, string) {
		cs := testutil.BatchCommits(t, ckpt)
		return len(cs) > 0 && time.UnixMilli(cs[len(cs)-1].BatchTimeMs).After(until), "waiting for idle batches"
	})
	if out, err := stopApp(t, c, appID); err != nil {
		t.Fatalf("application -stop: %v\n%s", err, out)
	}
	if err := sub.Wait(time.Minute); err != nil {
		t.Fatalf("pageviews after its stop: %v\n%s", err, sub.Output())
	}

	want := in.Expected(testutil.CommittedBatches(t, ckpt), x)
	got := testutil.ReadStagesSink(t, filepath.Join(dir, "out"))
	if len(want["sessions"]) == 0 || len(want["window"]) == 0 {
		t.Fatal("the input gives no session or window to check")
	}
	if d := testutil.DiffStages("sessions", got["sessions"], want["sessions"]); d != "" {
		t.Error(d)
	}
	wantTop := testutil.StageLines{}
	for ms, lines := range want["window"] {
		wantTop[ms] = bestTitles(t, lines, top)
	}
	gotTop := testutil.StageLines{}
	for ms, lines := range got["top"] {
		gotTop[ms] = bestTitles(t, lines, top)
	}
	if d := testutil.DiffStages("top", gotTop, wantTop); d != "" {
		t.Error(d)
	}
	var restored int64
	for _, cm := range testutil.BatchCommits(t, ckpt) {
		restored += cm.Outputs["stateRestored"]
	}
	// Partitions are rebuilt without kills too, when a reduce task runs
	// on another executor than the one holding its state: the figure is
	// shown, the exact outputs above are what is checked.
	t.Logf("%d executors killed, %d partitions' state rebuilt", kills, restored)
}

// runningExecutor waits for a running executor container of appID and
// returns it.
func runningExecutor(t *testing.T, c *testutil.Cluster, appID string) testutil.NMContainer {
	t.Helper()
	var ex testutil.NMContainer
	testutil.WaitFor(t, time.Minute, func() (bool, string) {
		for _, cs := range c.RunningContainers(appID) {
			for _, ct := range cs {
				if !strings.HasSuffix(ct.ID, "_000001") && ct.PID > 0 {
					ex = ct
					return true, ""
				}
			}
		}
		return false, "no executor of " + appID + " running"
	})
	return ex
}

// bestTitles are the n "<title> <views>" lines with the most views, ties
// by title, sorted as StageLines are.
func bestTitles(t *testing.T, lines []string, n int) []string {
	t.Helper()
	type tv struct {
		title string
		views int
	}
	var all []tv
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 2 {
			t.Fatalf("line %q is not \"<title> <views>\"", l)
		}
		v, err := strconv.Atoi(f[1])
		if err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		all = append(all, tv{f[0], v})
	}
	sort.Slice(all, func(a, b int) bool {
		return all[a].views > all[b].views || (all[a].views == all[b].views && all[a].title < all[b].title)
	})
	var out []string
	for _, x := range all[:min(n, len(all))] {
		out = append(out, fmt.Sprintf("%s %d", x.title, x.views))
	}
	slices.Sort(out)
	return out
}
