package nodemanager_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/testutil"
)

// getNM fetches url and decodes its JSON body into v, failing unless the
// status is want.
func getNM(t *testing.T, url string, want int, v any) {
	t.Helper()
	raw := testutil.HTTPGet(t, url, want, "Accept", "application/json")
	if v != nil {
		if err := json.Unmarshal([]byte(raw), v); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, raw)
		}
	}
}

type nmContainer struct {
	ID                string `json:"id"`
	State             string `json:"state"`
	ExitCode          int32  `json:"exitCode"`
	User              string `json:"user"`
	ContainerLogsLink string `json:"containerLogsLink"`
	NodeID            string `json:"nodeId"`
}

// TestNodeRESTAppsAndContainers checks the NM's /ws/v1/node/apps,
// /apps/{id} and /containers/{id} against a running and a finished
// container, the -1000 exit code while running, and that containerLogsLink
// resolves on the NM.
func TestNodeRESTAppsAndContainers(t *testing.T) {
	c := testutil.StartInProcess(t, 1, 4096, 4)
	web := testutil.URL(c.NMs[0].Addresses().Web, "")
	am := testutil.NewUnmanagedAM(t, c.RM.Addresses().Client, "default")
	cs := am.AllocateUntil(testutil.Ask(2, 64, 1, 1), 2, 20*time.Second)
	am.Launch(cs[0], []string{"sleep", "300"}, nil)
	am.Launch(cs[1], []string{"sh", "-c", "echo hello; exit 3"}, nil)
	am.WaitCompleted(cs[1].GetId(), 20*time.Second)

	var one struct {
		Container nmContainer `json:"container"`
	}
	getNM(t, web+"/ws/v1/node/containers/"+cs[0].GetId(), http.StatusOK, &one)
	run := one.Container
	if run.State != "RUNNING" || run.ExitCode != -1000 || run.User != testutil.TestUser() {
		t.Errorf("running container %+v: want RUNNING, exitCode -1000, user %s", run, testutil.TestUser())
	}
	getNM(t, web+"/ws/v1/node/containers/"+cs[1].GetId(), http.StatusOK, &one)
	done := one.Container
	if done.State != "DONE" || done.ExitCode != 3 {
		t.Errorf("finished container %+v: want DONE, exitCode 3", done)
	}
	if !strings.HasPrefix(done.ContainerLogsLink, web+"/node/containerlogs/"+cs[1].GetId()+"/"+testutil.TestUser()) {
		t.Errorf("containerLogsLink %q, want %s/node/containerlogs/%s/%s", done.ContainerLogsLink, web, cs[1].GetId(), testutil.TestUser())
	}
	// The link lists the container's files; a browser gets HTML.
	var listing struct {
		ContainerLogsInfo struct {
			ContainerLogInfo []struct{ FileName string } `json:"containerLogInfo"`
		} `json:"containerLogsInfo"`
	}
	getNM(t, done.ContainerLogsLink, http.StatusOK, &listing)
	if len(listing.ContainerLogsInfo.ContainerLogInfo) == 0 {
		t.Errorf("log link %s lists no files", done.ContainerLogsLink)
	}
	req, _ := http.NewRequest(http.MethodGet, done.ContainerLogsLink, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := testutil.HTTPClient(t, c.NMs[0].Addresses().Web).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(page), "stdout") {
		t.Errorf("log link as HTML: %s %s", resp.Header.Get("Content-Type"), page)
	}
	// Another user's name in the link is not a listing.
	getNM(t, web+"/node/containerlogs/"+cs[1].GetId()+"/mallory", http.StatusNotFound, nil)

	type nmApp struct {
		ID           string   `json:"id"`
		State        string   `json:"state"`
		User         string   `json:"user"`
		ContainerIDs []string `json:"containerids"`
	}
	var apps struct {
		Apps struct {
			App []nmApp `json:"app"`
		} `json:"apps"`
	}
	getNM(t, web+"/ws/v1/node/apps", http.StatusOK, &apps)
	if len(apps.Apps.App) != 1 || apps.Apps.App[0].ID != am.AppID || apps.Apps.App[0].State != "RUNNING" ||
		len(apps.Apps.App[0].ContainerIDs) != 1 || apps.Apps.App[0].ContainerIDs[0] != cs[0].GetId() {
		t.Errorf("apps %+v: want %s RUNNING with the running container only", apps.Apps.App, am.AppID)
	}
	getNM(t, web+"/ws/v1/node/apps?user=nobody", http.StatusOK, &apps)
	if len(apps.Apps.App) != 0 {
		t.Errorf("?user=nobody: %+v, want none", apps.Apps.App)
	}
	getNM(t, web+"/ws/v1/node/apps?state=FINISHED", http.StatusOK, &apps)
	if len(apps.Apps.App) != 0 {
		t.Errorf("?state=FINISHED: %+v, want none while a container runs", apps.Apps.App)
	}
	var app struct {
		App nmApp `json:"app"`
	}
	getNM(t, web+"/ws/v1/node/apps/"+am.AppID, http.StatusOK, &app)
	if app.App.User != testutil.TestUser() {
		t.Errorf("app %+v, want user %s", app.App, testutil.TestUser())
	}
	getNM(t, web+"/ws/v1/node/apps?state=BOGUS", http.StatusBadRequest, nil)
	getNM(t, web+"/ws/v1/node/apps?sort=id", http.StatusBadRequest, nil)
	getNM(t, web+"/ws/v1/node/containers/container_1_0001_01_000099", http.StatusNotFound, nil)
	getNM(t, web+"/ws/v1/node/containers/bogus", http.StatusBadRequest, nil)
}
