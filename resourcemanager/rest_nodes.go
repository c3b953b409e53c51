package resourcemanager

import (
	"net/http"
	"strings"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// nodeJSON is one node in YARN's /ws/v1/cluster/nodes shape.
type nodeJSON struct {
	Rack                  string `json:"rack"`
	State                 string `json:"state"`
	ID                    string `json:"id"`
	NodeHostName          string `json:"nodeHostName"`
	NodeHTTPAddress       string `json:"nodeHTTPAddress"`
	LastHealthUpdate      int64  `json:"lastHealthUpdate"`
	Version               string `json:"version"`
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

// NodeHost is the host part of a node id (host:port).
func NodeHost(nodeID string) string {
	if i := strings.LastIndexByte(nodeID, ':'); i >= 0 {
		return nodeID[:i]
	}
	return nodeID
}

func (rm *ResourceManager) registerNodeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /ws/v1/cluster/nodes", rm.query(rm.handleNodes, "states", "state"))
	mux.HandleFunc("GET /ws/v1/cluster/nodes/{nodeid}", rm.query(rm.handleNode))
}

func (rm *ResourceManager) handleNodes(w http.ResponseWriter, r *http.Request) {
	var filter map[pb.NodeState]bool
	if list := queryList(r, "states", "state"); len(list) > 0 {
		filter = map[pb.NodeState]bool{}
		for _, name := range list {
			st, ok := ParseNodeState(name)
			if !ok {
				writeError(w, http.StatusBadRequest, exBadRequest, "Invalid node state "+name+": use NEW, RUNNING, UNHEALTHY, DECOMMISSIONED, LOST, REBOOTED or SHUTDOWN")
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
		nodes = append(nodes, nodeInfo(n))
	}
	writeJSON(w, http.StatusOK, map[string]any{"nodes": map[string]any{"node": nodes}})
}

func (rm *ResourceManager) handleNode(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("nodeid")
	for _, n := range rm.nodeReports() {
		if n.GetNodeId() == id {
			writeJSON(w, http.StatusOK, map[string]any{"node": nodeInfo(n)})
			return
		}
	}
	writeError(w, http.StatusNotFound, exNotFound, "nodeId, "+id+", is not found")
}

func nodeInfo(n *pb.NodeReport) nodeJSON {
	return nodeJSON{
		Rack:                  n.GetRack(),
		State:                 NodeStateName(n.GetState()),
		ID:                    n.GetNodeId(),
		NodeHostName:          NodeHost(n.GetNodeId()),
		NodeHTTPAddress:       n.GetHttpAddress(),
		LastHealthUpdate:      n.GetLastHealthUpdateUnixMs(),
		Version:               Version,
		HealthReport:          n.GetHealthReport(),
		NumContainers:         n.GetNumContainers(),
		UsedMemoryMB:          n.GetUsed().GetMemoryMb(),
		AvailMemoryMB:         n.GetCapability().GetMemoryMb() - n.GetUsed().GetMemoryMb(),
		UsedVirtualCores:      n.GetUsed().GetVcores(),
		AvailableVirtualCores: n.GetCapability().GetVcores() - n.GetUsed().GetVcores(),
	}
}
