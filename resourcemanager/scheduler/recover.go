package scheduler

import "fmt"

// Recover records a container that an NM reports still running after the
// RM restarted, as YARN's work-preserving recovery does: the node and the
// application must be known again, and the container's resources are
// counted as used. Later container ids of the attempt continue after it.
func (s *Scheduler) Recover(a Allocation, seq int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.containers[a.ContainerID]; dup {
		return nil
	}
	n := s.nodes[a.NodeID]
	if n == nil {
		return fmt.Errorf("%w: recover %s on %s", ErrUnknownNode, a.ContainerID, a.NodeID)
	}
	app := s.apps[a.AttemptID]
	if app == nil {
		return fmt.Errorf("%w: recover %s of %s", ErrUnknownApplication, a.ContainerID, a.AttemptID)
	}
	if !n.used.Add(a.Resource).LessOrEqual(n.total) {
		return fmt.Errorf("%w: recovering %s (%v) would over-commit node %s (%v of %v used)", ErrInvalidRequest, a.ContainerID, a.Resource, a.NodeID, n.used, n.total)
	}
	c := &container{alloc: a, node: n, app: app}
	n.addContainer(c)
	c.appIdx = len(app.containers)
	app.containers = append(app.containers, c)
	s.containers[a.ContainerID] = c
	n.used = n.used.Add(a.Resource)
	app.used = app.used.Add(a.Resource)
	app.queue.used = app.queue.used.Add(a.Resource)
	s.used = s.used.Add(a.Resource)
	app.seq = max(app.seq, seq)
	return nil
}
