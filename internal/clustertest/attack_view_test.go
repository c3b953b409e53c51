package clustertest

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/nodemanager"
)

// TestAttemptTokenOnlyForItsOwner: the report of an application with an
// unmanaged AM carries its attempt token — the key to the AM's calls on the
// RM — to the user who submitted it and runs the AM, and to nobody else.
func TestAttemptTokenOnlyForItsOwner(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	if tok := reportAs(t, c, c.TLS.ClientTLS, am.AppID).GetAmRmToken(); tok == nil {
		t.Fatal("the owner's report has no attempt token")
	}
	bob := reportAs(t, c, c.TLS.UserTLS(t, "bob"), am.AppID)
	if bob.GetAmRmToken() != nil {
		t.Fatal("another user's report carries the attempt token")
	}
	if bob.GetHost() != "N/A" || bob.GetTrackingUrl() != "N/A" || bob.GetUser() != testutil.TestUser() {
		t.Fatalf("bob's report of an application he may not view: host %q, tracking URL %q, user %q; want the details left out, as YARN's",
			bob.GetHost(), bob.GetTrackingUrl(), bob.GetUser())
	}
	// Admins (yarn.admin.acl) see the details, and still not the token.
	admin := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1, Conf: []string{"yarn.admin.acl= admins"}}) // a group
	am2 := testutil.NewUnmanagedAM(t, admin.RMAddr.Client, "default")
	r := reportAs(t, admin, admin.TLS.UserTLS(t, "dana", "admins"), am2.AppID)
	if r.GetAmRmToken() != nil || r.GetHost() == "N/A" {
		t.Fatalf("an admin's report: token %v, host %q; want no token and the details", r.GetAmRmToken() != nil, r.GetHost())
	}
}

// TestOtherUsersCannotViewLogsRESTOrAM: bob, a user of the cluster who is
// not on the application's view ACL, cannot read its containers' logs on
// the NodeManagers, its REST resources on the RM or its AM's metrics and
// streaming statistics; carol, named in spark.ui.view.acls, can. Each
// refusal is logged by the daemon that refused, with who and what.
func TestOtherUsersCannotViewLogsRESTOrAM(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	stop := filepath.Join(testutil.SharedDir(t), "stop")
	sub := c.Submit("--num-executors", "1", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spindle.driver.mode=process", "--conf", "spark.ui.view.acls=carol",
		testutil.TestJobBinary(t), "--until-file", stop)
	appID := sub.AppID()
	rep := c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_RUNNING, 30*time.Second)
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		rep = c.Report(appID)
		return strings.HasPrefix(rep.GetTrackingUrl(), "https://"), "tracking URL " + rep.GetTrackingUrl()
	})
	attempts, err := c.Client().GetApplicationAttempts(context.Background(), &pb.GetApplicationAttemptsRequest{ApplicationId: appID})
	if err != nil {
		t.Fatal(err)
	}
	amContainer := attempts.GetAttempts()[0].GetAmContainerId()
	// The report's tracking URL is the RM's proxy; the attempt's is the
	// AM's own.
	amURL := attempts.GetAttempts()[0].GetTrackingUrl()
	var nm testutil.NMAddresses
	c.NMs[0].Ready(&nm)
	urls := map[string]string{
		"container log":      "https://" + nm.Web + nodemanager.ContainerLogsPath + amContainer + "/stdout",
		"container list":     "https://" + nm.Web + nodemanager.ContainerLogsPath + appID,
		"REST application":   "https://" + c.RMAddr.Web + "/ws/v1/cluster/apps/" + appID,
		"REST attempts":      "https://" + c.RMAddr.Web + "/ws/v1/cluster/apps/" + appID + "/appattempts",
		"AM metrics":         amURL + "/metrics",
		"AM streaming REST":  amURL + "/api/v1/streaming/statistics",
		"proxied AM metrics": strings.TrimSuffix(rep.GetTrackingUrl(), "/") + "/metrics",
	}
	bob, carol := c.TLS.UserTLS(t, "bob"), c.TLS.UserTLS(t, "carol")
	for what, url := range urls {
		if code, body := getAs(t, bob, url); code != http.StatusForbidden {
			t.Errorf("bob's GET of the %s %s: %d %q, want 403", what, url, code, body)
		}
		if code, body := getAs(t, carol, url); !httpOK(code) && !strings.Contains(url, "/api/v1/streaming") {
			t.Errorf("carol's GET of the %s %s: %d %q, want 200", what, url, code, body)
		}
		if code, body := getAs(t, c.TLS.ClientTLS, url); !httpOK(code) && !strings.Contains(url, "/api/v1/streaming") {
			t.Errorf("the owner's GET of the %s %s: %d %q, want 200", what, url, code, body)
		}
	}
	// The lists leave bob's eyes off it too.
	if code, body := getAs(t, bob, "https://"+nm.Web+"/ws/v1/node/containers"); code != 200 || strings.Contains(body, amContainer) {
		t.Errorf("bob's container list: %d, lists %s: %v", code, amContainer, strings.Contains(body, amContainer))
	}
	if code, body := getAs(t, bob, "https://"+c.RMAddr.Web+"/ws/v1/cluster/apps"); code != 200 || strings.Contains(body, rep.GetTrackingUrl()) {
		t.Errorf("bob's application list: %d, shows the tracking URL: %v", code, strings.Contains(body, rep.GetTrackingUrl()))
	}
	// spindle logs as bob finds nothing it may print.
	out, err := runSpindle(t, "logs", append([]string{"-applicationId", appID}, c.ConfArgsAs(c.TLS.UserConf(t, "bob"))...)...)
	if err == nil || strings.Contains(out, "testjob driver") {
		t.Errorf("spindle logs as bob: %v\n%s", err, out)
	}
	logged(t, c.RM, "bob's refused REST request", "access denied", `"user": "bob"`, "VIEW_APP", appID)
	logged(t, c.RM, "bob's refused proxy request", "proxy request refused", appID, "bob")
	logged(t, c.NMs[0], "bob's refused log request", "access denied", `"user": "bob"`, "VIEW_APP", "logs of application "+appID)
	waitAMLog(t, c, appID, "bob's refused metrics request", "access denied", `"user": "bob"`, "VIEW_APP", "/metrics")
}
