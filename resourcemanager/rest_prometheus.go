package resourcemanager

import (
	"net/http"
	"net/url"
	"strings"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// PrometheusSDPath serves Prometheus HTTP service discovery
// (http_sd_configs): one target group per running ApplicationMaster.
const PrometheusSDPath = "/ws/v1/cluster/prometheus/sd"

// amMetricsPath is where an AM serves Prometheus text
// (appmaster.MetricsPath).
const amMetricsPath = "/metrics"

// sdTargetGroup is one entry of Prometheus's http_sd JSON.
type sdTargetGroup struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

func (rm *ResourceManager) registerPrometheusRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+PrometheusSDPath, rm.query(rm.handlePrometheusSD))
}

// handlePrometheusSD lists every running AM's metrics endpoint, with the
// application's id, name, queue and user as labels, so that one scrape
// job finds every application.
func (rm *ResourceManager) handlePrometheusSD(w http.ResponseWriter, r *http.Request) {
	out := []sdTargetGroup{}
	for _, am := range rm.runningAMs() {
		u, err := url.Parse(am.url)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			continue
		}
		out = append(out, sdTargetGroup{
			Targets: []string{u.Host},
			Labels: map[string]string{
				"__scheme__":       u.Scheme,
				"__metrics_path__": strings.TrimSuffix(u.Path, "/") + amMetricsPath,
				"application_id":   am.report.GetApplicationId(),
				"application_name": am.report.GetName(),
				"queue":            am.report.GetQueue(),
				"user":             am.report.GetUser(),
			},
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// runningAM is a RUNNING application with its AM's own URL.
type runningAM struct {
	report *pb.ApplicationReport
	url    string
}

func (rm *ResourceManager) runningAMs() []runningAM {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	var out []runningAM
	for _, app := range rm.apps {
		t := app.current()
		if app.state != pb.ApplicationState_APPLICATION_STATE_RUNNING || t == nil || t.finished() || t.trackingURL == "" {
			continue
		}
		out = append(out, runningAM{report: rm.reportLocked(app), url: t.trackingURL})
	}
	return out
}
