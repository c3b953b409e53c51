package resourcemanager

import "context"

// kickScheduler asks for a scheduling pass over all nodes soon. It is
// called, under rm.mu or not, where an ask appears or room is made outside
// an AM's Allocate (which runs its own pass) and a node's heartbeat (which
// runs one for the node whose containers completed): a new attempt's AM
// container, a node registering. Without it such asks wait for the next NM
// heartbeat, up to yarn.resourcemanager.nodemanagers.heartbeat-interval-ms.
// Kicks that come while a pass is due are folded into it.
func (rm *ResourceManager) kickScheduler() {
	select {
	case rm.schedKick <- struct{}{}:
	default:
	}
}

// scheduleOnKick runs a scheduling pass for each kick until ctx ends.
func (rm *ResourceManager) scheduleOnKick(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-rm.schedKick:
			rm.allocate(rm.sched.Schedule())
		}
	}
}
