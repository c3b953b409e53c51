package sls

import (
	"context"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// exitStatusKilledByRM is YARN's exit status of a container the RM had
// stopped.
const exitStatusKilledByRM = -106

// simNode is one simulated NodeManager.
type simNode struct {
	id      string
	total   *pb.Resource
	tracker pb.ResourceTrackerClient
	stats   *recorder

	mu        sync.Mutex
	running   map[string]*pb.ContainerStatus
	completed []*pb.ContainerStatus
	interval  time.Duration
}

func newSimNode(id string, total *pb.Resource, tracker pb.ResourceTrackerClient, stats *recorder) *simNode {
	return &simNode{id: id, total: total, tracker: tracker, stats: stats, running: map[string]*pb.ContainerStatus{}, interval: time.Second}
}

// register registers the node with the RM.
func (n *simNode) register(ctx context.Context) error {
	resp, err := n.tracker.RegisterNodeManager(ctx, &pb.RegisterNodeManagerRequest{NodeId: n.id, HttpAddress: n.id, Resource: n.total})
	if err != nil {
		return err
	}
	n.setInterval(resp.GetHeartbeatIntervalMs())
	return nil
}

// setInterval takes the heartbeat interval the RM asked for, as a real NM
// does from every answer.
func (n *simNode) setInterval(ms int64) {
	if ms <= 0 {
		return
	}
	n.mu.Lock()
	n.interval = time.Duration(ms) * time.Millisecond
	n.mu.Unlock()
	n.stats.interval(n.interval)
}

// start runs c on the node until the RM asks for it to be cleaned up.
func (n *simNode) start(c *pb.Container) {
	n.mu.Lock()
	n.running[c.GetId()] = &pb.ContainerStatus{ContainerId: c.GetId(), State: pb.ContainerState_CONTAINER_STATE_RUNNING, Resource: c.GetResource()}
	n.mu.Unlock()
}

// heartbeatLoop heartbeats until ctx ends, first after phase.
func (n *simNode) heartbeatLoop(ctx context.Context, phase time.Duration) {
	// Each call's deadline hangs off a context of the node's own: ten
	// thousand nodes adding theirs to one shared parent contend for its
	// lock.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	timer := time.NewTimer(phase)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		n.heartbeat(ctx)
		n.mu.Lock()
		timer.Reset(n.interval)
		n.mu.Unlock()
	}
}

// heartbeat reports every running container and the completions not yet
// acknowledged, as a real NM does.
func (n *simNode) heartbeat(ctx context.Context) {
	n.mu.Lock()
	statuses := make([]*pb.ContainerStatus, 0, len(n.running)+len(n.completed))
	for _, st := range n.running {
		statuses = append(statuses, st)
	}
	sent := len(n.completed)
	statuses = append(statuses, n.completed...)
	n.mu.Unlock()
	start := time.Now()
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	resp, err := n.tracker.NodeHeartbeat(hctx, &pb.NodeHeartbeatRequest{NodeId: n.id, ContainerStatuses: statuses, Healthy: true})
	cancel()
	n.stats.heartbeat(time.Since(start), err)
	if err != nil {
		return
	}
	n.mu.Lock()
	n.completed = n.completed[sent:]
	// A container the RM has the node stop is reported completed on the
	// next heartbeat, as a real NM reports it; stops the RM asked for
	// send no out-of-band heartbeat.
	for _, id := range resp.GetContainersToCleanup() {
		if st, ok := n.running[id]; ok {
			delete(n.running, id)
			n.completed = append(n.completed, &pb.ContainerStatus{ContainerId: id, State: pb.ContainerState_CONTAINER_STATE_COMPLETE, ExitStatus: exitStatusKilledByRM, Resource: st.GetResource()})
		}
	}
	n.mu.Unlock()
	n.setInterval(resp.GetHeartbeatIntervalMs())
	if resp.GetAction() == pb.NodeAction_NODE_ACTION_RESYNC {
		n.register(ctx)
	}
}
