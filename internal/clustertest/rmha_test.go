package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
)

// failoverBound is the most a failover may take: from the active RM's
// death to a new active accepting submissions.
const failoverBound = 5 * time.Second

// submitProbe submits an unmanaged application through the group, as a
// client would, retrying until one is accepted, and returns how long that
// took from since.
func submitProbe(t testing.TB, c *testutil.Cluster, since time.Time, within time.Duration) time.Duration {
	t.Helper()
	cl := c.Client()
	var took time.Duration
	testutil.WaitFor(t, within, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		id, err := cl.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
		if err != nil {
			return false, fmt.Sprintf("GetNewApplication: %v", err)
		}
		_, err = cl.SubmitApplication(ctx, &pb.SubmitApplicationRequest{Context: &pb.ApplicationSubmissionContext{
			ApplicationId: id.GetApplicationId(), Name: "failover-probe", Queue: "default", UnmanagedAm: true}})
		if err != nil {
			return false, fmt.Sprintf("submit: %v", err)
		}
		took = time.Since(since)
		cl.KillApplication(ctx, &pb.KillApplicationRequest{ApplicationId: id.GetApplicationId()})
		return true, ""
	})
	return took
}

// checkRoles runs rmadmin -getAllServiceState and checks it shows the
// active RM active, the live others standby, and the dead ones
// unreachable, in YARN's layout.
func checkRoles(t *testing.T, c *testutil.Cluster, active int, dead ...int) {
	t.Helper()
	g := c.Group()
	out, err := c.RMAdmin("-getAllServiceState")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(g.IDs) {
		t.Fatalf("rmadmin -getAllServiceState printed %d lines, want %d:\n%s", len(lines), len(g.IDs), out)
	}
	for i, line := range lines {
		want := "standby"
		switch {
		case i == active:
			want = "active"
		case contains(dead, i):
			want = "Failed to connect"
		}
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(g.Addrs[i].Client) + ` +` + want).MatchString(line) {
			t.Errorf("rmadmin line %d: %q, want %s's address then %q", i, line, g.IDs[i], want)
		}
	}
	if out, err := c.RMAdmin("-getServiceState", g.IDs[active]); err != nil || strings.TrimSpace(out) != "active" {
		t.Errorf("rmadmin -getServiceState %s: %q, %v; want active", g.IDs[active], out, err)
	}
	for i := range g.IDs {
		if !contains(dead, i) {
			checkWebRole(t, g, i, active)
		}
	}
}

// checkWebRole: RM i's /ws/v1/cluster/info tells its role, and a standby
// redirects the rest of its REST API to the active RM with a 307.
func checkWebRole(t *testing.T, g *testutil.RMGroup, i, active int) {
	t.Helper()
	web := *testutil.HTTPClient(t, g.Addrs[i].Web)
	web.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	want := map[bool]string{true: "ACTIVE", false: "STANDBY"}[i == active]
	resp, err := web.Get("https://" + g.Addrs[i].Web + "/ws/v1/cluster/info")
	if err != nil {
		t.Errorf("%s's cluster info: %v", g.IDs[i], err)
		return
	}
	var info struct {
		ClusterInfo struct {
			HAState string `json:"haState"`
		} `json:"clusterInfo"`
	}
	err = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if err != nil || info.ClusterInfo.HAState != want {
		t.Errorf("%s's cluster info: haState %q (%v), want %s", g.IDs[i], info.ClusterInfo.HAState, err, want)
	}
	if i == active {
		return
	}
	// A standby that has just started knows no active RM until the active
	// one reaches it: it answers 503 meanwhile.
	loc := "https://" + g.Addrs[active].Web + "/ws/v1/cluster/apps?states=RUNNING"
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		resp, err := web.Get("https://" + g.Addrs[i].Web + "/ws/v1/cluster/apps?states=RUNNING")
		if err != nil {
			return false, fmt.Sprintf("standby %s's apps: %v", g.IDs[i], err)
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusTemporaryRedirect && resp.Header.Get("Location") == loc,
			fmt.Sprintf("standby %s's apps: %s to %q, want 307 to %s", g.IDs[i], resp.Status, resp.Header.Get("Location"), loc)
	})
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// checkUntouched: the application is RUNNING with its one attempt, and
// the RM counts its AM and executors again, the same executors as before.
func checkUntouched(t *testing.T, c *testutil.Cluster, appID string, before map[string]int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	testutil.WaitFor(t, within, func() (bool, string) {
		r := c.Report(appID)
		return r.GetState() == pb.ApplicationState_APPLICATION_STATE_RUNNING && int(r.GetRunningContainers()) == len(before)+1,
			fmt.Sprintf("app %v with %d running containers, want RUNNING with %d", r.GetState(), r.GetRunningContainers(), len(before)+1)
	})
	took := time.Since(start)
	now := executors(c, appID)
	for id := range before {
		if _, ok := now[id]; !ok {
			t.Errorf("executor %s is gone after the failover: %v", id, now)
		}
	}
	if n := len(c.Attempts(appID)); n != 1 {
		t.Errorf("%d attempts, want 1: a failover must not start a new attempt", n)
	}
	return took
}

// TestRMFailoverKeepsApplicationsRunning runs three RMs on one machine:
// the active one is SIGKILLed under a running application; another takes
// over within the bound, the application goes on with its attempt and
// executors, the killed RM comes back as standby, and leadership can be
// handed over with rmadmin.
func TestRMFailoverKeepsApplicationsRunning(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2, RMs: 3, Conf: []string{"yarn.admin.acl=" + testutil.TestUser()}})
	g := c.Group()
	active := g.WaitActive(10 * time.Second)
	checkRoles(t, c, active)

	stop := filepath.Join(testutil.SharedDir(t), "stop")
	sub := c.Submit("--num-executors", "2", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", stop)
	appID := sub.AppID()
	c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_RUNNING, 30*time.Second)
	before := waitExecutors(t, c, appID, 2, 30*time.Second)

	killed := time.Now()
	g.RMs[active].Kill()
	took := submitProbe(t, c, killed, 20*time.Second)
	next := g.WaitActive(time.Second)
	t.Logf("failover: rm %s killed, %s active and accepting submissions after %v", g.IDs[active], g.IDs[next], took)
	if took > failoverBound {
		t.Errorf("failover took %v, want under %v", took, failoverBound)
	}
	back := checkUntouched(t, c, appID, before, 20*time.Second)
	t.Logf("failover: the application's containers were all back with the new active %v after it accepted submissions", back)
	checkRoles(t, c, next, active)

	g.RMs[active].Restart()
	testutil.WaitFor(t, 20*time.Second, func() (bool, string) {
		return g.State(active) == pb.HAServiceState_HA_SERVICE_STATE_STANDBY, "the restarted RM is not standby"
	})
	checkRoles(t, c, next)

	// Hand the lead back with rmadmin: an administrator may, another user
	// may not.
	if out, err := c.RMAdminAs(c.TLS.UserConf(t, "bob"), "-transitionToActive", g.IDs[active]); err == nil || !strings.Contains(out, "ADMINISTER_CLUSTER") {
		t.Errorf("bob's rmadmin -transitionToActive: %v, want it refused as ADMINISTER_CLUSTER:\n%s", err, out)
	}
	if g.Active() != next {
		t.Fatalf("bob's refused transition moved the lead to %d", g.Active())
	}
	if out, err := c.RMAdmin("-transitionToActive", g.IDs[active]); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		return g.Active() == active, fmt.Sprintf("%s is not active after -transitionToActive", g.IDs[active])
	})
	checkUntouched(t, c, appID, before, 20*time.Second)

	if err := os.WriteFile(stop, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sub.Wait(60 * time.Second); err != nil {
		t.Fatalf("submit: %v", err)
	}
	r := c.Report(appID)
	if r.GetFinalStatus() != pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED {
		t.Fatalf("final status %v (%s), want SUCCEEDED", r.GetFinalStatus(), r.GetDiagnostics())
	}
	if n := len(c.Attempts(appID)); n != 1 {
		t.Fatalf("%d attempts, want 1", n)
	}
}

// TestRMFailoverReportsContainersThatEndedMeanwhile: an executor that dies
// while the active RM is down is reported to its AM by the new active
// one, and the AM gets a replacement, with the same attempt.
func TestRMFailoverReportsContainersThatEndedMeanwhile(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2, RMs: 3})
	g := c.Group()
	stop := filepath.Join(testutil.SharedDir(t), "stop")
	sub := c.Submit("--num-executors", "2", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", stop)
	appID := sub.AppID()
	c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_RUNNING, 30*time.Second)
	before := waitExecutors(t, c, appID, 2, 30*time.Second)
	victim, pid := "", 0
	for nm, cs := range c.RunningContainers(appID) {
		for _, ct := range cs {
			if _, ok := before[ct.ID]; ok && victim == "" {
				victim, pid = ct.ID, int(ct.PID)
				_ = nm
			}
		}
	}
	if pid <= 0 {
		t.Fatalf("no pid for an executor of %s", appID)
	}
	active := g.WaitActive(10 * time.Second)
	killed := time.Now()
	g.RMs[active].Kill()
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
	var replaced time.Duration
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		now := executors(c, appID)
		_, victimRuns := now[victim]
		replaced = time.Since(killed)
		return len(now) == 2 && !victimRuns, fmt.Sprintf("executors %v: want 2 without %s", now, victim)
	})
	t.Logf("active RM and executor %s killed together: a replacement executor ran %v later", victim, replaced)
	if n := len(c.Attempts(appID)); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
	if err := os.WriteFile(stop, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sub.Wait(60 * time.Second); err != nil {
		t.Fatalf("submit: %v", err)
	}
}
