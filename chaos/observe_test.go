package chaos

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// fakeDaemon serves JSON bodies by path.
func fakeDaemon(t *testing.T, bodies map[string]any) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func containersBody(cs ...containerInfo) map[string]any {
	return map[string]any{"containers": map[string]any{"container": cs}}
}

// TestObserverSample: a sample reads the RM's application, attempts and
// nodes, and each NM's running containers of the application; the AM and
// executors are those of the newest attempt with running containers; a
// dead NM is skipped.
func TestObserverSample(t *testing.T) {
	const app = "application_1700000000000_0001"
	rm := fakeDaemon(t, map[string]any{
		"/ws/v1/cluster/apps/" + app:                  map[string]any{"app": map[string]any{"state": "RUNNING", "finalStatus": "UNDEFINED"}},
		"/ws/v1/cluster/apps/" + app + "/appattempts": map[string]any{"appAttempts": map[string]any{"appAttempt": []map[string]any{{"id": 1}, {"id": 2}}}},
		"/ws/v1/cluster/nodes":                        map[string]any{"nodes": map[string]any{"node": []map[string]any{{"id": "n0", "state": "RUNNING"}, {"id": "n1", "state": "LOST"}}}},
	})
	nm0 := fakeDaemon(t, map[string]any{"/ws/v1/node/containers": containersBody(
		containerInfo{ID: "container_1700000000000_0001_02_000001", State: "RUNNING", NodeID: "n0", PID: 10},
		containerInfo{ID: "container_1700000000000_0001_02_000003", State: "RUNNING", NodeID: "n0", PID: 11},
		containerInfo{ID: "container_1700000000000_0001_01_000002", State: "RUNNING", NodeID: "n0", PID: 12}, // the old attempt's, being stopped
		containerInfo{ID: "container_1700000000000_0001_02_000004", State: "COMPLETE", NodeID: "n0"},
		containerInfo{ID: "container_1700000000000_0002_01_000001", State: "RUNNING", NodeID: "n0", PID: 13}, // another application
	)})
	nm2 := fakeDaemon(t, map[string]any{"/ws/v1/node/containers": containersBody(
		containerInfo{ID: "container_1700000000000_0001_02_000002", State: "RUNNING", NodeID: "n2", PID: 20},
	)})
	dead := httptest.NewServer(http.NotFoundHandler())
	deadAddr := strings.TrimPrefix(dead.URL, "http://")
	dead.Close()

	o := &observer{rest: newRESTClient(nil), rmWeb: rm, nmWebs: []string{nm0, deadAddr, nm2}, appID: app, lg: zap.NewNop()}
	o.app.ClusterTimestamp, o.app.Seq = 1700000000000, 1
	s := o.take(context.Background())
	if !s.rmUp || s.appState != "RUNNING" || s.attempts != 2 || s.nodes["n1"] != "LOST" || s.nodesRunning() != 1 {
		t.Fatalf("RM view: up %v, state %q, attempts %d, nodes %v", s.rmUp, s.appState, s.attempts, s.nodes)
	}
	if s.am == nil || s.am.id != "container_1700000000000_0001_02_000001" || s.am.pid != 10 || s.am.nm != 0 {
		t.Fatalf("AM %+v", s.am)
	}
	if len(s.executors) != 2 || s.executors[0].id != "container_1700000000000_0001_02_000002" || s.executors[0].nm != 2 || s.executors[1].pid != 11 {
		t.Fatalf("executors %+v", s.executors)
	}
	if len(s.running) != 4 || s.running["container_1700000000000_0002_01_000001"] {
		t.Fatalf("running %v: want the 4 of this application", s.running)
	}

	o.record(s)
	bad := o.take(context.Background())
	bad.appState, bad.diag = "FAILED", "too many attempts"
	o.record(bad)
	if st, diag := o.badState(); st != "FAILED" || diag != "too many attempts" {
		t.Fatalf("badState = %q, %q", st, diag)
	}
	if got := o.statesSeen(); strings.Join(got, ",") != "RUNNING,FAILED" {
		t.Fatalf("states seen %v", got)
	}

	// The RM down: no RM view, the NMs still answer.
	o.rmWeb = deadAddr
	down := o.take(context.Background())
	if down.rmUp || down.nodes != nil || down.am == nil {
		t.Fatalf("with the RM down: up %v, nodes %v, AM %v", down.rmUp, down.nodes, down.am)
	}
}
