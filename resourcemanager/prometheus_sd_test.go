package resourcemanager_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/appmaster"
	"github.com/spindlehq/spindle/driver"
)

// sdGroup is a target group as Prometheus's http_sd reads it.
type sdGroup struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

// TestPrometheusHTTPSD reads the RM's http_sd endpoint as Prometheus
// does: every running AM is a target with its labels, and every target's
// metrics pass promlint and carry application_id.
func TestPrometheusHTTPSD(t *testing.T) {
	rm := startRM(t, nil)
	addr := rm.Addresses()
	type amServer struct {
		app testApp
		srv *httptest.Server
	}
	var ams []amServer
	for i, name := range []string{"orders", "payments"} {
		app := submitApp(t, addr.Client, &pb.ApplicationSubmissionContext{User: "alice", Queue: []string{"default", "etl"}[i], Name: name}, nil)
		attempt := "appattempt_" + app.id[len("application_"):] + "_000001"
		m := appmaster.NewMetrics(appmaster.MetricsConfig{AttemptID: attempt, AppName: name})
		m.OnBatch(driver.BatchInfo{Time: time.Now(), Records: 5, Partitions: []driver.PartitionProgress{{Topic: "t", Partition: 0, From: 0, Until: 5, Latest: 9}}})
		srv := httptest.NewServer(m.Handler())
		t.Cleanup(srv.Close)
		app.registerAt(t, srv.URL)
		ams = append(ams, amServer{app, srv})
	}
	// Neither an application without a registered AM nor a finished one
	// is a target.
	submitApp(t, addr.Client, &pb.ApplicationSubmissionContext{User: "bob", Queue: "default", Name: "waiting"}, nil)
	gone := submitApp(t, addr.Client, &pb.ApplicationSubmissionContext{User: "bob", Queue: "default", Name: "gone"}, nil)
	gone.finish(t, pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED)

	var groups []sdGroup
	get(t, addr.Web, "/ws/v1/cluster/prometheus/sd", http.StatusOK, &groups)
	if len(groups) != len(ams) {
		t.Fatalf("%d target groups, want one per running AM (%d): %+v", len(groups), len(ams), groups)
	}
	for _, am := range ams {
		i := slices.IndexFunc(groups, func(g sdGroup) bool { return g.Labels["application_id"] == am.app.id })
		if i < 0 {
			t.Fatalf("AM of %s is not a target: %+v", am.app.id, groups)
		}
		g := groups[i]
		if len(g.Targets) != 1 || "http://"+g.Targets[0] != am.srv.URL || g.Labels["__metrics_path__"] != "/metrics" || g.Labels["user"] != "alice" || g.Labels["application_name"] == "" || g.Labels["queue"] == "" {
			t.Errorf("target group %+v for %s at %s", g, am.app.id, am.srv.URL)
		}
		// Scrape it as Prometheus would.
		body, _ := io.ReadAll(httpBody(t, "http://"+g.Targets[0]+g.Labels["__metrics_path__"]))
		if !strings.Contains(string(body), `spindle_am_records_processed_total{application_id="`+am.app.id+`"} 5`) {
			t.Errorf("AM %s's series do not carry its application_id:\n%s", am.app.id, body)
		}
		raw, _ := json.Marshal(g)
		problems, err := promlint.New(bytes.NewReader(body)).Lint()
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		for _, p := range problems {
			t.Errorf("AM %s: promlint: %s: %s", am.app.id, p.Metric, p.Text)
		}
	}
}
