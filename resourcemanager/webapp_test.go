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

// TestWebAppsPages pages the applications table: 100 a page, newest
// first, with links that keep the filters.
func TestWebAppsPages(t *testing.T) {
	rm := startRM(t, nil)
	addr := rm.Addresses()
	var ids []string
	for range 105 {
		ids = append(ids, submitApp(t, addr.Client, &pb.ApplicationSubmissionContext{User: "alice", Queue: "etl", Name: "many"}, nil).id)
	}
	base := "http://" + addr.Web + "/cluster/apps?queue=etl"
	first := getPage(t, base, http.StatusOK)
	if strings.Count(first, "data-app=") != 100 || !strings.Contains(first, ids[104]) || strings.Contains(first, `data-app="`+ids[4]+`"`) {
		t.Errorf("page 1: %d rows; want the newest 100, without %s", strings.Count(first, "data-app="), ids[4])
	}
	if !strings.Contains(first, `href="/cluster/apps?page=2&amp;queue=etl"`) || !strings.Contains(first, `data-total="105"`) {
		t.Error("page 1 has no link to page 2 with the queue filter, or not the total")
	}
	second := getPage(t, base+"&page=2", http.StatusOK)
	if strings.Count(second, "data-app=") != 5 || !strings.Contains(second, `data-app="`+ids[0]+`"`) {
		t.Errorf("page 2: %d rows, want the oldest 5", strings.Count(second, "data-app="))
	}
	getPage(t, base+"&page=0", http.StatusBadRequest)
}
