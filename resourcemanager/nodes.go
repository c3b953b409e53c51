package resourcemanager

import (
	"context"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/resourcemanager/scheduler"
	"go.uber.org/zap"
)

// memberDead is memberlist's verdict on a member: an NM it declares dead is
// lost at once, without waiting for heartbeat expiry. Only the gossip name of
// the node's current registration counts: a restarted NM has a new one.
func (rm *ResourceManager) memberDead(name string) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for _, n := range rm.nodes {
		if n.memberName == name && n.state == pb.NodeState_NODE_STATE_RUNNING {
			rm.markLostLocked(n, "declared dead by memberlist")
		}
	}
}

// monitorLiveness expires nodes whose heartbeats stopped and containers that
// were allocated but never started.
func (rm *ResourceManager) monitorLiveness(ctx context.Context) {
	tick := time.NewTicker(min(rm.cfg.NodeExpiry/4, time.Second))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			rm.expire(now)
		}
	}
}

func (rm *ResourceManager) expire(now time.Time) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for _, n := range rm.nodes {
		if n.state == pb.NodeState_NODE_STATE_RUNNING && now.Sub(n.lastHeartbeat) > rm.cfg.NodeExpiry {
			rm.markLostLocked(n, "no heartbeat within yarn.nm.liveness-monitor.expiry-interval-ms")
		}
	}
	rm.expireRecoveredLocked(now)
	rm.expireUnreturnedLocked(now)
	rm.relaunchDueLocked(now)
	rm.updateWaitingLocked()
	for _, c := range rm.containers {
		if (c.state == containerAllocated || c.state == containerAcquired) && now.Sub(c.allocatedAt) > rm.cfg.AllocationExpiry {
			rm.killLocked(c, launch.ExitAborted, diagAllocationUnused)
		}
	}
}

// markLostLocked makes n LOST and completes its containers as lost (-100).
func (rm *ResourceManager) markLostLocked(n *rmNode, reason string) {
	n.state = pb.NodeState_NODE_STATE_LOST
	rm.runningNodes--
	n.cleanup = nil
	rm.sched.RemoveNode(n.id)
	for id, c := range n.held {
		c.held = false
		delete(n.held, id)
	}
	lost := 0
	for _, c := range rm.containers {
		if c.c.GetNodeId() == n.id && c.state != containerCompleted {
			rm.completeLocked(c, launch.ExitAborted, diagLostNode)
			lost++
		}
	}
	rm.metrics.nodesLost.Inc()
	rm.lg.Warn("node lost", zap.String("node", n.id), zap.String("reason", reason), zap.Int("containers", lost))
}

// completeLocked records the end of c, frees its resources (unless they are
// held, see killLocked) and queues its status for its AM. Completing twice
// is a no-op.
func (rm *ResourceManager) completeLocked(c *rmContainer, exitStatus int32, diagnostics string) {
	if c.state == containerCompleted {
		return
	}
	c.state = containerCompleted
	c.finishedAt = time.Now()
	c.status = &pb.ContainerStatus{
		ContainerId: c.c.GetId(),
		State:       pb.ContainerState_CONTAINER_STATE_COMPLETE,
		ExitStatus:  exitStatus,
		Diagnostics: diagnostics,
		Resource:    c.c.GetResource(),
	}
	if !c.held {
		rm.sched.Release(c.c.GetId())
	}
	if t, ok := rm.attempts[c.attemptID]; ok && !t.finished() {
		if t.amContainer == c.c.GetId() {
			rm.amContainerCompletedLocked(t, c.status)
		} else {
			t.completed = append(t.completed, c.status)
		}
	}
	if exitStatus != 0 {
		rm.metrics.containersFailed.Inc()
	}
	rm.lg.Info("container completed", zap.String("container", c.c.GetId()), zap.String("node", c.c.GetNodeId()),
		zap.Int32("exitStatus", exitStatus), zap.String("diagnostics", firstLine(diagnostics)))
}

// addCleanupLocked asks c's node to stop c on its next heartbeat.
func (rm *ResourceManager) addCleanupLocked(c *rmContainer) {
	if n, ok := rm.nodes[c.c.GetNodeId()]; ok && n.state == pb.NodeState_NODE_STATE_RUNNING {
		n.cleanup = append(n.cleanup, c.c.GetId())
	}
}

// heartbeatIntervalLocked is the interval NMs are told to heartbeat at:
// yarn.resourcemanager.nodemanagers.heartbeat-interval-ms, or longer in a
// cluster whose nodes would send more than MaxHeartbeatsPerSecond at it,
// as long as a node that misses one heartbeat is not near expiry. What
// the heartbeats carry that cannot wait (completed containers, new asks)
// comes out of band.
func (rm *ResourceManager) heartbeatIntervalLocked() time.Duration {
	spread := time.Duration(rm.runningNodes) * time.Second / time.Duration(rm.cfg.MaxHeartbeatsPerSecond)
	return max(rm.cfg.HeartbeatInterval, min(spread, rm.cfg.NodeExpiry/3))
}

// register records a (re-)registering node and returns the interval it is
// to heartbeat at. A node that registers again after a restart starts
// clean: the containers the RM had on it are lost.
func (rm *ResourceManager) register(req *pb.RegisterNodeManagerRequest) time.Duration {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	id := req.GetNodeId()
	n, known := rm.nodes[id]
	if known && n.state == pb.NodeState_NODE_STATE_RUNNING {
		rm.markLostLocked(n, "registered again")
	}
	n = &rmNode{
		id:            id,
		httpAddress:   req.GetHttpAddress(),
		memberAddress: req.GetMemberlistAddress(),
		memberName:    req.GetMemberlistName(),
		state:         pb.NodeState_NODE_STATE_RUNNING,
		total:         req.GetResource(),
		lastHeartbeat: time.Now(),
		apps:          map[string]bool{},
		held:          map[string]*rmContainer{},
	}
	rm.nodes[id] = n
	rm.runningNodes++
	rm.recordNodeLocked(n)
	if err := rm.sched.AddNode(id, resourceFromPB(req.GetResource())); err != nil {
		rm.lg.Error("add node to scheduler", zap.String("node", id), zap.Error(err))
	}
	// Containers it still runs: those of live attempts are taken back (a
	// restarted RM loses no work); the rest are stopped.
	for _, st := range req.GetContainerStatuses() {
		if cid, err := ids.ParseContainerID(st.GetContainerId()); err == nil {
			// Its logs are on the node: tell the node when the app finishes.
			n.apps[cid.Attempt.App.String()] = true
		}
		if st.GetState() != pb.ContainerState_CONTAINER_STATE_COMPLETE && !rm.recoverContainerLocked(n, st) {
			n.cleanup = append(n.cleanup, st.GetContainerId())
			rm.holdStrayLocked(n, st)
		}
	}
	rm.lg.Info("node registered", zap.String("node", id), zap.Bool("reregistered", known),
		zap.Int64("memoryMB", req.GetResource().GetMemoryMb()), zap.Int32("vcores", req.GetResource().GetVcores()))
	return rm.heartbeatIntervalLocked()
}

// heartbeat applies a node's container statuses and returns what it must do.
func (rm *ResourceManager) heartbeat(req *pb.NodeHeartbeatRequest) *pb.NodeHeartbeatResponse {
	rm.mu.Lock()
	n, ok := rm.nodes[req.GetNodeId()]
	if !ok || n.state != pb.NodeState_NODE_STATE_RUNNING {
		rm.mu.Unlock()
		return &pb.NodeHeartbeatResponse{
			Action:              pb.NodeAction_NODE_ACTION_RESYNC,
			HeartbeatIntervalMs: rm.cfg.HeartbeatInterval.Milliseconds(),
			Diagnostics:         "node is not registered with the ResourceManager (lost or restarted): register again",
		}
	}
	n.lastHeartbeat = time.Now()
	n.healthReport = req.GetHealthReport()
	for _, st := range req.GetContainerStatuses() {
		c, ok := rm.containers[st.GetContainerId()]
		if !ok || c.c.GetNodeId() != n.id {
			if st.GetState() != pb.ContainerState_CONTAINER_STATE_COMPLETE {
				n.cleanup = append(n.cleanup, st.GetContainerId())
				rm.holdStrayLocked(n, st)
			} else if !ok {
				rm.completedWhileAwayLocked(n, st)
			}
			continue
		}
		switch st.GetState() {
		case pb.ContainerState_CONTAINER_STATE_RUNNING:
			if c.state == containerAllocated || c.state == containerAcquired {
				c.state = containerRunning
			} else if c.state == containerCompleted {
				n.cleanup = append(n.cleanup, c.c.GetId())
				rm.holdLocked(c)
			}
		case pb.ContainerState_CONTAINER_STATE_COMPLETE:
			rm.completeLocked(c, st.GetExitStatus(), st.GetDiagnostics())
		}
	}
	rm.drainLocked(n, req.GetContainerStatuses())
	n.responseID++
	resp := &pb.NodeHeartbeatResponse{
		Action:              pb.NodeAction_NODE_ACTION_NORMAL,
		ResponseId:          n.responseID,
		ContainersToCleanup: n.cleanup,
		HeartbeatIntervalMs: rm.heartbeatIntervalLocked().Milliseconds(),
	}
	n.cleanup = nil
	// As YARN's applications_to_cleanup: the node aggregates a finished
	// application's logs once its containers there have ended.
	for id := range n.apps {
		if app, ok := rm.apps[id]; !ok || app.finished() {
			resp.ApplicationsToCleanup = append(resp.ApplicationsToCleanup, id)
			delete(n.apps, id)
		}
	}
	rm.mu.Unlock()
	rm.allocate(rm.sched.NodeUpdate(n.id))
	return resp
}

// unregister removes a node that is shutting down; its containers are lost.
func (rm *ResourceManager) unregister(nodeID string) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	n, ok := rm.nodes[nodeID]
	if !ok {
		return
	}
	if n.state == pb.NodeState_NODE_STATE_RUNNING {
		rm.markLostLocked(n, "shut down")
	}
	n.state = pb.NodeState_NODE_STATE_SHUTDOWN
	rm.forgetNodeLocked(nodeID)
}

// allocate turns scheduler allocations into signed containers and queues
// them for their AMs.
func (rm *ResourceManager) allocate(allocs []scheduler.Allocation) {
	if len(allocs) == 0 {
		return
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	now := time.Now()
	for _, a := range allocs {
		t, ok := rm.attempts[a.AttemptID]
		n, nok := rm.nodes[a.NodeID]
		if !ok || t.finished() || !nok {
			rm.sched.Release(a.ContainerID)
			continue
		}
		c := &pb.Container{
			Id:               a.ContainerID,
			NodeId:           a.NodeID,
			NodeAddress:      a.NodeID,
			NodeHttpAddress:  n.httpAddress,
			Resource:         resourceToPB(a.Resource),
			Priority:         a.Priority,
			MemoryOverheadMb: t.overheadFor(a.Priority, a.Resource.MemoryMB),
		}
		tok, err := rm.signer.SignContainer(&pb.ContainerTokenIdentifier{
			ContainerId:          c.Id,
			NodeId:               c.NodeId,
			ApplicationAttemptId: t.id,
			Resource:             c.Resource,
			ExpiryUnixMs:         now.Add(rm.cfg.AllocationExpiry).UnixMilli(),
			User:                 t.app.ctx.GetUser(),
			RmStartUnixMs:        rm.ClusterTimestamp(),
			MemoryOverheadMb:     c.MemoryOverheadMb,
			ViewAcl:              rm.viewACLString(t.app),
		})
		if err != nil {
			rm.lg.Error("sign container token", zap.String("container", c.Id), zap.Error(err))
			rm.sched.Release(a.ContainerID)
			continue
		}
		c.ContainerToken = tok
		rc := &rmContainer{c: c, attemptID: t.id, state: containerAllocated, allocatedAt: now}
		rm.addContainerLocked(t, rc)
		n.apps[t.app.id] = true
		rm.metrics.containersAllocated.Inc()
		if !t.app.ctx.GetUnmanagedAm() && t.amContainer == "" {
			// The first container of a managed attempt is its AM's.
			lc, err := rm.amLaunchContextLocked(t)
			if err != nil {
				rm.attemptFailedLocked(t, "AM launch context: "+err.Error(), false)
				continue
			}
			t.amContainer = c.Id
			t.state = pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_ALLOCATED
			rc.state = containerAcquired
			rm.persistLocked(t.app)
			go rm.launchAM(t, c, lc)
			continue
		}
		t.allocated = append(t.allocated, c)
		rm.lg.Debug("container allocated", zap.String("container", c.Id), zap.String("node", c.NodeId), zap.String("attempt", t.id))
	}
}

func resourceFromPB(r *pb.Resource) scheduler.Resource {
	return scheduler.Resource{MemoryMB: r.GetMemoryMb(), VCores: r.GetVcores()}
}

func resourceToPB(r scheduler.Resource) *pb.Resource {
	return &pb.Resource{MemoryMb: r.MemoryMB, Vcores: r.VCores}
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
