package nodemanager

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// webHandler serves /ws/v1/node/info, /ws/v1/node/containers, /metrics and
// the container logs below ContainerLogsPath.
func (nm *NodeManager) webHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws/v1/node", nm.handleInfo)
	mux.HandleFunc("GET /ws/v1/node/info", nm.handleInfo)
	mux.HandleFunc("GET /ws/v1/node/containers", nm.handleContainers)
	mux.Handle("GET /metrics", promhttp.HandlerFor(nm.metrics.registry, promhttp.HandlerOpts{}))
	return nm.withContainerLogs(mux)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (nm *NodeManager) handleInfo(w http.ResponseWriter, r *http.Request) {
	host := nm.nodeID
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	writeJSON(w, map[string]any{"nodeInfo": map[string]any{
		"id":                             nm.nodeID,
		"nodeHostName":                   host,
		"totalPmemAllocatedContainersMB": nm.total.GetMemoryMb(),
		"totalVCoresAllocatedContainers": nm.total.GetVcores(),
		"healthReport":                   "",
		"nodeHealthy":                    true,
	}})
}

// containerJSON is one container in YARN's /ws/v1/node/containers shape.
type containerJSON struct {
	ID                  string `json:"id"`
	State               string `json:"state"`
	ExitCode            int32  `json:"exitCode"`
	Diagnostics         string `json:"diagnostics"`
	TotalMemoryNeededMB int64  `json:"totalMemoryNeededMB"`
	TotalVCoresNeeded   int32  `json:"totalVCoresNeeded"`
	ContainerLogsLink   string `json:"containerLogsLink"`
	NodeID              string `json:"nodeId"`
	RSSBytes            int64  `json:"rssBytes"`
	PID                 int32  `json:"pid"`
}

func (nm *NodeManager) handleContainers(w http.ResponseWriter, r *http.Request) {
	nm.mu.Lock()
	out := []containerJSON{}
	for _, c := range nm.containers {
		st := c.status()
		cj := containerJSON{
			ID:                  c.id,
			State:               strings.TrimPrefix(st.GetState().String(), "CONTAINER_STATE_"),
			ExitCode:            st.GetExitStatus(),
			Diagnostics:         st.GetDiagnostics(),
			TotalMemoryNeededMB: st.GetResource().GetMemoryMb(),
			TotalVCoresNeeded:   st.GetResource().GetVcores(),
			ContainerLogsLink:   c.logDir,
			NodeID:              nm.nodeID,
			PID:                 st.GetPid(),
		}
		if u, ok := nm.monitor.Usage(c.id); ok {
			cj.RSSBytes = u
		}
		out = append(out, cj)
	}
	nm.mu.Unlock()
	slices.SortFunc(out, func(a, b containerJSON) int { return strings.Compare(a.ID, b.ID) })
	writeJSON(w, map[string]any{"containers": map[string]any{"container": out}})
}
