package resourcemanager_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// getPage fetches an HTML page and returns its body, failing unless the
// status is want.
func getPage(t *testing.T, url string, want int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %s", url, resp.StatusCode, want, raw)
	}
	if want == http.StatusOK && !strings.HasSuffix(url, ".css") && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET %s: Content-Type %q", url, resp.Header.Get("Content-Type"))
	}
	return string(raw)
}

// TestWebPagesRender renders every page of the RM's UI: the HTML the
// browser tests read, without a browser.
func TestWebPagesRender(t *testing.T) {
	rm := startRM(t, nil)
	addr := rm.Addresses()
	registerNode(t, addr.Tracker, "127.0.0.1:1")
	app := submitApp(t, addr.Client, &pb.ApplicationSubmissionContext{User: "alice", Queue: "etl", Name: "pages <script>", Tags: []string{"prod"}}, nil)
	app.register(t)
	base := "http://" + addr.Web
	for _, tc := range []struct{ path, want string }{
		{"/cluster", `id="nodes-active"`},
		{"/cluster/apps", app.id},
		{"/cluster/apps?queue=etl&applicationTags=prod", app.id},
		{"/cluster/apps/RUNNING", app.id},
		{"/cluster/app/" + app.id, "pages &lt;script&gt;"},
		{"/cluster/nodes", "127.0.0.1:1"},
		{"/cluster/scheduler", `id="queue-etl"`},
		{"/static/spindle.css", "qbar"},
	} {
		if body := getPage(t, base+tc.path, http.StatusOK); !strings.Contains(body, tc.want) {
			t.Errorf("%s does not contain %q", tc.path, tc.want)
		}
	}
	if body := getPage(t, base+"/cluster/apps?queue=default", http.StatusOK); strings.Contains(body, app.id) {
		t.Errorf("the queue filter of the applications page was ignored")
	}
	getPage(t, base+"/cluster/apps?limit=zero", http.StatusBadRequest)
	getPage(t, base+"/cluster/app/application_1_0099", http.StatusNotFound)
}
