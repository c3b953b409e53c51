package nodemanager

import (
	"context"
	"fmt"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/launch"
	"go.uber.org/zap"
)

// register registers with the RM, retrying until ctx ends, then joins the
// gossip cluster through the RM's member address.
func (nm *NodeManager) register(ctx context.Context) error {
	backoff := 100 * time.Millisecond
	for {
		nm.mu.Lock()
		var running []*pb.ContainerStatus
		for _, c := range nm.containers {
			if c.state != pb.ContainerState_CONTAINER_STATE_COMPLETE {
				running = append(running, c.status())
			}
		}
		nm.mu.Unlock()
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		resp, err := nm.tracker.RegisterNodeManager(rctx, &pb.RegisterNodeManagerRequest{
			NodeId:            nm.nodeID,
			HttpAddress:       nm.Addresses().Web,
			Resource:          nm.total,
			ContainerStatuses: running,
			MemberlistAddress: nm.member.Address(),
			MemberlistName:    nm.member.Name(),
		})
		cancel()
		if err == nil {
			err = nm.takeKeys(resp.GetContainerTokenMasterKeys(), resp.GetGossipKey())
		}
		if err == nil {
			nm.mu.Lock()
			if resp.GetHeartbeatIntervalMs() > 0 {
				nm.heartbeat = time.Duration(resp.GetHeartbeatIntervalMs()) * time.Millisecond
			}
			nm.mu.Unlock()
			seeds := append([]string{resp.GetMemberlistAddress()}, nm.cfg.Seeds...)
			nm.goRun(func() {
				jctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := nm.member.Join(jctx, seeds); err != nil {
					nm.lg.Warn("join gossip cluster", zap.String("node", nm.nodeID), zap.Error(err))
				}
			})
			nm.lg.Info("registered with resourcemanager", zap.String("node", nm.nodeID), zap.String("rm", nm.cfg.ResourceTrackerAddress))
			return nil
		}
		nm.lg.Warn("register with resourcemanager", zap.String("node", nm.nodeID), zap.String("rm", nm.cfg.ResourceTrackerAddress), zap.Error(err))
		select {
		case <-ctx.Done():
			return fmt.Errorf("nodemanager %s: register with ResourceManager at %s: %w (last error: %v)", nm.nodeID, nm.cfg.ResourceTrackerAddress, ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// heartbeatLoop reports container statuses every heartbeat interval, and
// at once when a container completes unasked (an out-of-band heartbeat, as
// YARN's NM sends), so that the loss of an executor reaches its AM without
// waiting out the interval. While the RM is unreachable, containers keep
// running.
func (nm *NodeManager) heartbeatLoop(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		nm.mu.Lock()
		interval := nm.heartbeat
		nm.mu.Unlock()
		timer.Reset(interval)
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-nm.heartbeatNow:
			// Completions that come in a burst go in one heartbeat.
			select {
			case <-ctx.Done():
				return
			case <-time.After(outOfBandMinGap):
			}
		}
		nm.heartbeatOnce(ctx)
	}
}

// outOfBandMinGap is how long an out-of-band heartbeat waits for more
// completions to report with it.
const outOfBandMinGap = 20 * time.Millisecond

// heartbeatSoon asks for an out-of-band heartbeat; asks made while one is
// due are folded into it.
func (nm *NodeManager) heartbeatSoon() {
	select {
	case nm.heartbeatNow <- struct{}{}:
	default:
	}
}

func (nm *NodeManager) heartbeatOnce(ctx context.Context) {
	nm.mu.Lock()
	var statuses []*pb.ContainerStatus
	var sent []*container
	for id, c := range nm.containers {
		if c.reported {
			if time.Since(c.completedAt) > completedRetention {
				delete(nm.containers, id)
			}
			continue
		}
		st := c.status()
		statuses = append(statuses, st)
		// Only a completion the RM is told of is acknowledged by its
		// answer: one that happens while this heartbeat is in flight goes
		// with the next.
		if st.GetState() == pb.ContainerState_CONTAINER_STATE_COMPLETE {
			sent = append(sent, c)
		}
	}
	nm.mu.Unlock()
	hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	resp, err := nm.tracker.NodeHeartbeat(hctx, &pb.NodeHeartbeatRequest{NodeId: nm.nodeID, ContainerStatuses: statuses, Healthy: true, MasterKeysTag: nm.signer.Tag()})
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			nm.lg.Warn("heartbeat to resourcemanager failed", zap.String("node", nm.nodeID), zap.Error(err))
		}
		return
	}
	if keys := resp.GetContainerTokenMasterKeys(); keys != nil {
		if err := nm.signer.SetFromPB(keys); err != nil {
			nm.lg.Error("container token master keys from the resourcemanager", zap.Error(err))
		} else {
			nm.lg.Info("container token master keys updated", zap.String("keys", keys.GetTag()))
		}
	}
	nm.mu.Lock()
	// An RM that asks for a resync has not taken the statuses in: they go
	// again after the registration.
	if resp.GetAction() != pb.NodeAction_NODE_ACTION_RESYNC {
		for _, c := range sent {
			c.reported = true
		}
	}
	if resp.GetHeartbeatIntervalMs() > 0 {
		nm.heartbeat = time.Duration(resp.GetHeartbeatIntervalMs()) * time.Millisecond
	}
	nm.mu.Unlock()
	for _, id := range resp.GetContainersToCleanup() {
		nm.stopContainer(id, nm.cfg.SigkillDelay, launch.ExitKilledByResourceManager, diagKilledByRM)
	}
	nm.logAgg.appsFinished(resp.GetApplicationsToCleanup())
	if resp.GetAction() == pb.NodeAction_NODE_ACTION_RESYNC {
		// The RM does not know this node (it restarted, or wrote the node
		// off as lost): register again with the running containers. The RM
		// keeps those of applications it knows and has the rest stopped
		// through the heartbeat's cleanup list, so a restarted RM loses no
		// work.
		nm.lg.Warn("resourcemanager asked to resync", zap.String("node", nm.nodeID), zap.String("diagnostics", resp.GetDiagnostics()))
		if err := nm.register(ctx); err != nil && ctx.Err() == nil {
			nm.lg.Error("re-register with resourcemanager", zap.String("node", nm.nodeID), zap.Error(err))
		}
	}
}
