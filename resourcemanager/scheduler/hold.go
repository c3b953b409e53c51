package scheduler

import "fmt"

// Hold keeps a container's resources on its node after its application has
// let it go, until Release: the ResourceManager has asked its NodeManager
// to stop it and the NodeManager has not yet reported it stopped, so the
// node must not be offered that room again (the NodeManager would refuse
// a container placed there). The container stops counting against its
// attempt and queue, and RemoveApplication leaves it on its node;
// RemoveNode and Release free it. It reports false for an unknown
// container.
func (s *Scheduler) Hold(containerID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.containers[containerID]
	if c == nil {
		return false
	}
	s.hold(c)
	return true
}

// hold detaches c from its attempt, if it still has one.
func (s *Scheduler) hold(c *container) {
	a := c.app
	if a == nil {
		return
	}
	r := c.alloc.Resource
	a.used = a.used.Sub(r)
	a.queue.used = a.queue.used.Sub(r)
	s.held = s.held.Add(r)
	a.removeContainer(c)
	c.app = nil
}

// HoldStray records a container that a NodeManager runs but the scheduler
// does not know — one released already, or one an RM restart forgot — as
// held on its node (see Hold), until Release. An unknown node gives an
// error wrapping ErrUnknownNode; a container that would over-commit its
// node, one wrapping ErrInvalidRequest, and nothing is recorded. A
// container the scheduler knows is held as Hold does.
func (s *Scheduler) HoldStray(a Allocation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.containers[a.ContainerID]; c != nil {
		s.hold(c)
		return nil
	}
	n := s.nodes[a.NodeID]
	if n == nil {
		return fmt.Errorf("%w: hold %s on %s", ErrUnknownNode, a.ContainerID, a.NodeID)
	}
	if !n.used.Add(a.Resource).LessOrEqual(n.total) {
		return fmt.Errorf("%w: holding %s (%v) would over-commit node %s (%v of %v used)", ErrInvalidRequest, a.ContainerID, a.Resource, a.NodeID, n.used, n.total)
	}
	c := &container{alloc: a, node: n}
	n.addContainer(c)
	s.containers[a.ContainerID] = c
	n.used = n.used.Add(a.Resource)
	s.used = s.used.Add(a.Resource)
	s.held = s.held.Add(a.Resource)
	return nil
}

// Held returns the resources of containers that are held (see Hold).
func (s *Scheduler) Held() Resource {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}
