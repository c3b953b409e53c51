package nodemanager

import (
	"context"
	"testing"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/token"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// completingTracker answers heartbeats as the RM does and records what
// each one carried; during the first it lets a container complete, as a
// process exiting while the heartbeat is in flight does.
type completingTracker struct {
	pb.ResourceTrackerClient
	nm    *NodeManager
	id    string
	calls [][]*pb.ContainerStatus
}

func (t *completingTracker) NodeHeartbeat(_ context.Context, req *pb.NodeHeartbeatRequest, _ ...grpc.CallOption) (*pb.NodeHeartbeatResponse, error) {
	t.calls = append(t.calls, req.GetContainerStatuses())
	if len(t.calls) == 1 {
		t.nm.mu.Lock()
		c := t.nm.containers[t.id]
		c.state, c.exitStatus = pb.ContainerState_CONTAINER_STATE_COMPLETE, 1
		t.nm.mu.Unlock()
	}
	return &pb.NodeHeartbeatResponse{}, nil
}

// TestCompletionDuringHeartbeatIsReported: a container that completes
// while a heartbeat reporting it as running is in flight is reported as
// completed by the next heartbeat, then no more.
func TestCompletionDuringHeartbeatIsReported(t *testing.T) {
	const id = "container_1_0001_01_000001"
	signer, _ := token.NewSignerWithKeys(0, nil)
	nm := &NodeManager{lg: zap.NewNop(), nodeID: "127.0.0.1:1", logAgg: &logAggregator{}, signer: signer,
		containers: map[string]*container{id: {id: id, state: pb.ContainerState_CONTAINER_STATE_RUNNING}}}
	tr := &completingTracker{nm: nm, id: id}
	nm.tracker = tr
	for range 3 {
		nm.heartbeatOnce(context.Background())
	}
	var states []pb.ContainerState
	for _, call := range tr.calls {
		for _, st := range call {
			states = append(states, st.GetState())
		}
	}
	want := []pb.ContainerState{pb.ContainerState_CONTAINER_STATE_RUNNING, pb.ContainerState_CONTAINER_STATE_COMPLETE}
	if len(states) != len(want) || states[0] != want[0] || states[1] != want[1] {
		t.Fatalf("heartbeats reported %v, want %v: the completion must reach the RM once", states, want)
	}
}
