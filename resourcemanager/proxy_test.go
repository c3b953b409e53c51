package resourcemanager_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/spindlehq/spindle/resourcemanager/webapp"
)

// TestWebProxy forwards /proxy/<app>/… to a registered AM's HTTP server,
// and checks that the tracking URL becomes the proxy's.
func TestWebProxy(t *testing.T) {
	seen := make(chan *http.Request, 10)
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/streaming/", http.StatusFound)
			return
		}
		w.Header().Set("Set-Cookie", "am=1")
		io.WriteString(w, "AM page "+r.URL.Path+"?"+r.URL.RawQuery)
	}))
	defer am.Close()
	secret := []byte("0123456789abcdef0123456789abcdef")
	rm := startRM(t, secret)
	addr := rm.Addresses()
	app := submitApp(t, addr.Client, &pb.ApplicationSubmissionContext{User: "alice", Queue: "default", Name: "proxied"}, secret)
	app.registerAt(t, am.URL)
	base := "http://" + addr.Web

	var one struct {
		App struct {
			TrackingURL string `json:"trackingUrl"`
			TrackingUI  string `json:"trackingUI"`
		} `json:"app"`
	}
	get(t, addr.Web, "/ws/v1/cluster/apps/"+app.id, http.StatusOK, &one)
	if want := base + "/proxy/" + app.id + "/"; one.App.TrackingURL != want || one.App.TrackingUI != "ApplicationMaster" {
		t.Errorf("trackingUrl %q (%s), want %s (ApplicationMaster)", one.App.TrackingURL, one.App.TrackingUI, want)
	}

	req, _ := http.NewRequest(http.MethodGet, base+"/proxy/"+app.id+"/streaming/batch?id=5", nil)
	req.Header.Set("Cookie", "rm-session=secret")
	req.Header.Set("spindle-client-secret", "c2VjcmV0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "AM page /streaming/batch?id=5" {
		t.Fatalf("proxied GET: %d %q", resp.StatusCode, body)
	}
	if resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("the AM's cookie reached the client through the RM's origin")
	}
	got := <-seen
	if got.Header.Get("Cookie") != "" || got.Header.Get("spindle-client-secret") != "" {
		t.Errorf("RM credentials were forwarded to the AM: %v", got.Header)
	}
	if got.Header.Get("X-Forwarded-Prefix") != "/proxy/"+app.id {
		t.Errorf("X-Forwarded-Prefix %q", got.Header.Get("X-Forwarded-Prefix"))
	}

	// A tracking URL with a path added to it.
	if got := testutil.HTTPGet(t, one.App.TrackingURL+"/metrics", http.StatusOK); got != "AM page /metrics?" {
		t.Errorf("GET trackingUrl+/metrics: %q, want the AM's /metrics", got)
	}
	<-seen

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.Get(base + "/proxy/" + app.id + "/redirect")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/proxy/"+app.id+"/streaming/" {
		t.Errorf("AM redirect became %q, want it kept behind the proxy", loc)
	}

	resp, err = http.Post(base+"/proxy/"+app.id+"/kill", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST through the proxy: %d, want 405", resp.StatusCode)
	}
	for path, code := range map[string]int{
		"/proxy/application_1_0099/": http.StatusNotFound,
		"/proxy/nonsense/":           http.StatusBadRequest,
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != code {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, code)
		}
	}

	// Once the application ends there is no AM to forward to.
	app.finishOnly(t)
	resp, err = http.Get(base + "/proxy/" + app.id + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("proxy to a finished application without history: %d, want 404", resp.StatusCode)
	}
}

// denyAll refuses every request, as a view ACL that names nobody.
type denyAll struct{}

func (denyAll) Authorize(*http.Request, webapp.Access, string) error {
	return errors.New("not on the view ACL")
}

// TestWebOutsiderRefused checks that every page and the proxy ask the
// Authorizer, so that an outsider is refused once ACLs refuse them.
func TestWebOutsiderRefused(t *testing.T) {
	rm := startRMWith(t, nil, func(c *resourcemanager.Config) {
		c.WebAuthorizer = denyAll{}
		c.HistoryDir = "file://" + t.TempDir()
	})
	addr := rm.Addresses()
	app := submitApp(t, addr.Client, &pb.ApplicationSubmissionContext{User: "alice", Queue: "default", Name: "secret"}, nil)
	for _, path := range []string{"/cluster", "/cluster/apps", "/cluster/app/" + app.id, "/cluster/nodes", "/cluster/scheduler", "/proxy/" + app.id + "/",
		"/ws/v1/cluster/apps", "/ws/v1/cluster/apps/" + app.id, "/ws/v1/cluster/nodes", "/ws/v1/cluster/scheduler", "/ws/v1/cluster/prometheus/sd", "/history/" + app.id + "/streaming/"} {
		resp, err := http.Get("http://" + addr.Web + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || strings.Contains(string(body), app.id+"</a>") {
			t.Errorf("GET %s as an outsider: %d, want 403 without the application", path, resp.StatusCode)
		}
	}
}

// httpBody returns a GET's body as a reader, failing unless it is a 200.
func httpBody(t *testing.T, url string) io.Reader {
	t.Helper()
	return strings.NewReader(testutil.HTTPGet(t, url, http.StatusOK))
}
