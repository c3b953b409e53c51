package resourcemanager

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// Version is reported by /ws/v1/cluster/info.
var Version = "dev"

// webHandler serves YARN's REST shape under /ws/v1/cluster and /metrics.
func (rm *ResourceManager) webHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws/v1/cluster", rm.handleInfo)
	mux.HandleFunc("GET /ws/v1/cluster/info", rm.handleInfo)
	mux.HandleFunc("GET /ws/v1/cluster/nodes", rm.handleNodes)
	mux.HandleFunc("GET /ws/v1/cluster/metrics", rm.handleMetrics)
	rm.registerAppRoutes(mux)
	mux.Handle("GET /metrics", promhttp.HandlerFor(rm.metrics.registry, promhttp.HandlerOpts{}))
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// remoteException is YARN's REST error body.
func writeError(w http.ResponseWriter, code int, exception, msg string) {
	writeJSON(w, code, map[string]any{"RemoteException": map[string]string{
		"exception": exception, "message": msg, "javaClassName": "org.apache.hadoop.yarn.webapp." + exception,
	}})
}

func (rm *ResourceManager) handleInfo(w http.ResponseWriter, r *http.Request) {
	ts := rm.startTime.UnixMilli()
	writeJSON(w, http.StatusOK, map[string]any{"clusterInfo": map[string]any{
		"id":                     ts,
		"startedOn":              ts,
		"state":                  "STARTED",
		"haState":                "ACTIVE",
		"resourceManagerVersion": Version,
		"hadoopVersion":          Version,
		"rmStateStoreName":       "none",
	}})
}

// nodeJSON is one node in YARN's /ws/v1/cluster/nodes shape.
type nodeJSON struct {
	Rack                  string `json:"rack"`
	State                 string `json:"state"`
	ID                    string `json:"id"`
	NodeHostName          string `json:"nodeHostName"`
	NodeHTTPAddress       string `json:"nodeHTTPAddress"`
	LastHealthUpdate      int64  `json:"lastHealthUpdate"`
	HealthReport          string `json:"healthReport"`
	NumContainers         int32  `json:"numContainers"`
	UsedMemoryMB          int64  `json:"usedMemoryMB"`
	AvailMemoryMB         int64  `json:"availMemoryMB"`
	UsedVirtualCores      int32  `json:"usedVirtualCores"`
	AvailableVirtualCores int32  `json:"availableVirtualCores"`
}

// NodeStateName is YARN's name of a node state (RUNNING, LOST, …).
func NodeStateName(s pb.NodeState) string {
	return strings.TrimPrefix(s.String(), "NODE_STATE_")
}

// ParseNodeState parses YARN's name of a node state, case-insensitively.
func ParseNodeState(name string) (pb.NodeState, bool) {
	v, ok := pb.NodeState_value["NODE_STATE_"+strings.ToUpper(strings.TrimSpace(name))]
	if !ok || v == 0 {
		return 0, false
	}
	return pb.NodeState(v), true
}

func (rm *ResourceManager) handleNodes(w http.ResponseWriter, r *http.Request) {
	var filter map[pb.NodeState]bool
	if q := r.URL.Query().Get("states"); q != "" {
		filter = map[pb.NodeState]bool{}
		for _, name := range strings.Split(q, ",") {
			st, ok := ParseNodeState(name)
			if !ok {
				writeError(w, http.StatusBadRequest, "BadRequestException", "Invalid node state "+name+": use NEW, RUNNING, UNHEALTHY, DECOMMISSIONED, LOST, REBOOTED or SHUTDOWN")
				return
			}
			filter[st] = true
		}
	}
	nodes := []nodeJSON{}
	for _, n := range rm.nodeReports() {
		if filter != nil && !filter[n.GetState()] {
			continue
		}
		host := n.GetNodeId()
		if i := strings.LastIndexByte(host, ':'); i >= 0 {
			host = host[:i]
		}
		nodes = append(nodes, nodeJSON{
			Rack:                  n.GetRack(),
			State:                 NodeStateName(n.GetState()),
			ID:                    n.GetNodeId(),
			NodeHostName:          host,
			NodeHTTPAddress:       n.GetHttpAddress(),
			LastHealthUpdate:      n.GetLastHealthUpdateUnixMs(),
			HealthReport:          n.GetHealthReport(),
			NumContainers:         n.GetNumContainers(),
			UsedMemoryMB:          n.GetUsed().GetMemoryMb(),
			AvailMemoryMB:         n.GetCapability().GetMemoryMb() - n.GetUsed().GetMemoryMb(),
			UsedVirtualCores:      n.GetUsed().GetVcores(),
			AvailableVirtualCores: n.GetCapability().GetVcores() - n.GetUsed().GetVcores(),
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"nodes": map[string]any{"node": nodes}})
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
