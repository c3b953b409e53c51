package resourcemanager

import (
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/resourcemanager/scheduler"
	"go.uber.org/zap"
)

// drainAbsentBeats is how many heartbeats of its node must leave out a
// held container before its room is freed: the NM reports every container
// it has until the RM acknowledges its completion, so a container missing
// from its heartbeats is not there, and the second heartbeat covers one
// that was being started while the first was in flight.
const drainAbsentBeats = 2

// killLocked completes c for its application and has its NM stop it. While
// the NM may still run it, its room on the node stays held in the
// scheduler until the NM reports it stopped (or that it does not have it),
// so that no container is placed where the NM would refuse it: an AM
// refused there would cost its application an attempt.
func (rm *ResourceManager) killLocked(c *rmContainer, exitStatus int32, diagnostics string) {
	if c.state == containerCompleted {
		return
	}
	// A container its AM never received cannot have been started.
	if c.state != containerAllocated {
		rm.holdLocked(c)
	}
	rm.completeLocked(c, exitStatus, diagnostics)
	rm.addCleanupLocked(c)
}

// holdLocked keeps c's room on its node until its NM lets it go, whether
// the scheduler still counts it or has let it go already.
func (rm *ResourceManager) holdLocked(c *rmContainer) {
	n, ok := rm.nodes[c.c.GetNodeId()]
	if !ok || n.state != pb.NodeState_NODE_STATE_RUNNING {
		return
	}
	c.absentBeats = 0
	if c.held {
		return
	}
	alloc := scheduler.Allocation{ContainerID: c.c.GetId(), AttemptID: c.attemptID, NodeID: n.id, Resource: resourceFromPB(c.c.GetResource())}
	if err := rm.sched.HoldStray(alloc); err != nil {
		rm.lg.Warn("cannot hold the room of a container its NodeManager still runs", zap.String("container", c.c.GetId()), zap.String("node", n.id), zap.Error(err))
		return
	}
	c.held = true
	n.held[c.c.GetId()] = c
}

// holdStrayLocked keeps the room of a container that n runs and that is
// no container of the RM's (an RM restart forgot it, or it is not n's) while
// n stops it.
func (rm *ResourceManager) holdStrayLocked(n *rmNode, st *pb.ContainerStatus) {
	if c, ok := n.held[st.GetContainerId()]; ok {
		c.absentBeats = 0
		return
	}
	c := &rmContainer{
		c:     &pb.Container{Id: st.GetContainerId(), NodeId: n.id, NodeAddress: n.id, Resource: st.GetResource()},
		state: containerCompleted,
	}
	rm.holdLocked(c)
}

// releaseHeldLocked frees the room of a held container.
func (rm *ResourceManager) releaseHeldLocked(n *rmNode, c *rmContainer, why string) {
	rm.sched.Release(c.c.GetId())
	c.held = false
	delete(n.held, c.c.GetId())
	rm.lg.Debug("held container released", zap.String("container", c.c.GetId()), zap.String("node", n.id), zap.String("why", why))
}

// drainLocked applies one heartbeat of n to its held containers: one it
// reports complete is released; one it has left out drainAbsentBeats
// times is too.
func (rm *ResourceManager) drainLocked(n *rmNode, statuses []*pb.ContainerStatus) {
	if len(n.held) == 0 {
		return
	}
	reported := make(map[string]pb.ContainerState, len(statuses))
	for _, st := range statuses {
		reported[st.GetContainerId()] = st.GetState()
	}
	for id, c := range n.held {
		st, ok := reported[id]
		switch {
		case ok && st == pb.ContainerState_CONTAINER_STATE_COMPLETE:
			rm.releaseHeldLocked(n, c, "stopped by its NodeManager")
		case ok:
			c.absentBeats = 0
		default:
			c.absentBeats++
			if c.absentBeats >= drainAbsentBeats {
				rm.releaseHeldLocked(n, c, "not on its NodeManager")
			}
		}
	}
}
