package resourcemanager

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spindlehq/spindle/resourcemanager/webapp"
)

// Version is reported by /ws/v1/cluster/info.
var Version = "dev"

// Exceptions of YARN's REST error body (RemoteException), with the Java
// class a YARN client expects for each.
const (
	exBadRequest   = "BadRequestException"
	exNotFound     = "NotFoundException"
	exWebApp       = "WebApplicationException"
	exUnauthorized = "AuthorizationException"
)

var exceptionClasses = map[string]string{
	exBadRequest:   "org.apache.hadoop.yarn.webapp.BadRequestException",
	exNotFound:     "org.apache.hadoop.yarn.webapp.NotFoundException",
	exWebApp:       "javax.ws.rs.WebApplicationException",
	exUnauthorized: "org.apache.hadoop.security.authorize.AuthorizationException",
}

// authQueryParam is Hadoop's pseudo-authentication parameter, which YARN
// clients add to every request; every endpoint accepts it.
const authQueryParam = "user.name"

// webHandler serves YARN's REST shape under /ws/v1/cluster, /metrics, and
// the pages of ui under every other path.
func (rm *ResourceManager) webHandler(ui http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws/v1/cluster", rm.query(rm.handleInfo))
	mux.HandleFunc("GET /ws/v1/cluster/info", rm.query(rm.handleInfo))
	mux.HandleFunc("GET /ws/v1/cluster/metrics", rm.query(rm.handleMetrics))
	rm.registerNodeRoutes(mux)
	rm.registerAppRoutes(mux)
	rm.registerSchedulerRoutes(mux)
	rm.registerPrometheusRoutes(mux)
	mux.Handle("GET /metrics", promhttp.HandlerFor(rm.metrics.registry, promhttp.HandlerOpts{}))
	if ui != nil {
		mux.Handle("/", ui)
	}
	return mux
}

// query wraps h so that the request is checked for view access to the
// application it names (if any) and any query parameter other than
// allowed (and authQueryParam) is refused with a 400: a filter Spindle
// does not know is reported, never silently ignored.
func (rm *ResourceManager) query(h http.HandlerFunc, allowed ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := rm.webAuth.Authorize(r, webapp.AccessView, r.PathValue("appid")); err != nil {
			writeError(w, http.StatusForbidden, exUnauthorized, "You may not view this resource: "+err.Error())
			return
		}
		var unknown []string
		for k := range r.URL.Query() {
			if k != authQueryParam && !slices.Contains(allowed, k) {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			msg := "Unknown query parameter " + strings.Join(unknown, ", ")
			if len(allowed) == 0 {
				msg += ": this resource takes none"
			} else {
				msg += ": this resource takes " + strings.Join(allowed, ", ")
			}
			writeError(w, http.StatusBadRequest, exBadRequest, msg)
			return
		}
		h(w, r)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	// Compact, as YARN's: an indented list of thousands of applications
	// is a third larger.
	json.NewEncoder(w).Encode(v)
}

// writeError writes YARN's REST error body, a RemoteException.
func writeError(w http.ResponseWriter, code int, exception, msg string) {
	writeJSON(w, code, map[string]any{"RemoteException": map[string]string{
		"exception": exception, "message": msg, "javaClassName": exceptionClasses[exception],
	}})
}

func (rm *ResourceManager) handleInfo(w http.ResponseWriter, r *http.Request) {
	ts := rm.ClusterTimestamp()
	store := "none"
	switch {
	case rm.ha != nil:
		store = "RaftRMStateStore"
	case rm.state != nil:
		store = "FileSystemRMStateStore"
	}
	writeJSON(w, http.StatusOK, map[string]any{"clusterInfo": map[string]any{
		"id":                     ts,
		"startedOn":              ts,
		"state":                  "STARTED",
		"haState":                rm.haState(),
		"resourceManagerVersion": Version,
		"hadoopVersion":          Version,
		"rmStateStoreName":       store,
	}})
}

func (rm *ResourceManager) handleMetrics(w http.ResponseWriter, r *http.Request) {
	m := rm.clusterMetrics()
	writeJSON(w, http.StatusOK, map[string]any{"clusterMetrics": map[string]any{
		"appsSubmitted":         m.GetAppsSubmitted(),
		"appsCompleted":         m.GetAppsCompleted(),
		"appsPending":           m.GetAppsPending(),
		"appsRunning":           m.GetAppsRunning(),
		"appsFailed":            m.GetAppsFailed(),
		"appsKilled":            m.GetAppsKilled(),
		"reservedMB":            0,
		"availableMB":           m.GetAvailable().GetMemoryMb(),
		"allocatedMB":           m.GetAllocated().GetMemoryMb(),
		"totalMB":               m.GetTotal().GetMemoryMb(),
		"reservedVirtualCores":  0,
		"availableVirtualCores": m.GetAvailable().GetVcores(),
		"allocatedVirtualCores": m.GetAllocated().GetVcores(),
		"totalVirtualCores":     m.GetTotal().GetVcores(),
		"containersAllocated":   m.GetContainersAllocated(),
		"containersReserved":    0,
		"containersPending":     0,
		"totalNodes":            m.GetActiveNodes() + m.GetLostNodes() + m.GetUnhealthyNodes() + m.GetDecommissionedNodes() + m.GetShutdownNodes(),
		"activeNodes":           m.GetActiveNodes(),
		"lostNodes":             m.GetLostNodes(),
		"unhealthyNodes":        m.GetUnhealthyNodes(),
		"decommissionedNodes":   m.GetDecommissionedNodes(),
		"rebootedNodes":         0,
		"shutdownNodes":         m.GetShutdownNodes(),
	}})
}
