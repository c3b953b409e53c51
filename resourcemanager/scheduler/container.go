package scheduler

import (
	"strconv"
	"strings"
)

// Allocation is a container placed on a node for an application attempt.
type Allocation struct {
	// ContainerID is the container's id, from Config.ContainerID.
	ContainerID string
	// AttemptID is the application attempt the container belongs to.
	AttemptID string
	// NodeID is the node the container is placed on.
	NodeID string
	// Resource is the container's size.
	Resource Resource
	// Priority is the priority of the ask the container satisfies.
	Priority int32
}

// container is a live allocation with links to its node and attempt.
type container struct {
	alloc Allocation
	node  *node
	app   *app
	// nodeIdx and appIdx are the container's positions in node.containers
	// and app.containers, for constant-time removal.
	nodeIdx, appIdx int
}

// Release frees a container and returns it. It reports false for an
// unknown container id.
func (s *Scheduler) Release(containerID string) (Allocation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.containers[containerID]
	if c == nil {
		return Allocation{}, false
	}
	a := c.alloc
	s.release(c)
	return a, true
}

// release returns c's resources to its node, queue and attempt and forgets
// it.
func (s *Scheduler) release(c *container) {
	r := c.alloc.Resource
	n, a := c.node, c.app
	n.used = n.used.Sub(r)
	s.used = s.used.Sub(r)
	if a != nil {
		a.used = a.used.Sub(r)
		a.queue.used = a.queue.used.Sub(r)
		a.removeContainer(c)
	} else {
		// Held (see Hold): it counts against its node only.
		s.held = s.held.Sub(r)
	}
	n.removeContainer(c)

	delete(s.containers, c.alloc.ContainerID)
	*c = container{}
	if len(s.spare) < maxSpare {
		s.spare = append(s.spare, c)
	}
}

// removeContainer takes c out of a's containers.
func (a *app) removeContainer(c *container) {
	last := len(a.containers) - 1
	moved := a.containers[last]
	a.containers[c.appIdx] = moved
	moved.appIdx = c.appIdx
	a.containers[last] = nil
	a.containers = a.containers[:last]
}

// maxSpare bounds the released container records kept for reuse, so that a
// mass release does not pin memory.
const maxSpare = 4096

// place records a container of r's size on n for a, counting it against
// r. It returns false, changing nothing, when Config.ContainerID keeps
// returning ids already in use.
func (s *Scheduler) place(a *app, r *request, n *node) (Allocation, bool) {
	var id string
	if s.cfg.ContainerID == nil {
		// Default ids are unique: the attempt id and the sequence number
		// can be read back from them, and an attempt's containers are all
		// released before its id can be registered again.
		a.seq++
		id = DefaultContainerID(a.id, a.seq)
	} else {
		for tries := 0; ; tries++ {
			if tries == maxIDTries {
				return Allocation{}, false
			}
			a.seq++
			id = s.cfg.ContainerID(a.id, a.seq)
			if _, dup := s.containers[id]; !dup {
				break
			}
		}
	}
	var c *container
	if k := len(s.spare); k > 0 {
		c = s.spare[k-1]
		s.spare[k-1] = nil
		s.spare = s.spare[:k-1]
	} else {
		c = new(container)
	}
	res := r.capability
	c.alloc = Allocation{ContainerID: id, AttemptID: a.id, NodeID: n.id, Resource: res, Priority: r.priority}
	c.node, c.app = n, a
	n.addContainer(c)
	c.appIdx = len(a.containers)
	a.containers = append(a.containers, c)
	s.containers[id] = c

	n.used = n.used.Add(res)
	a.used = a.used.Add(res)
	a.queue.used = a.queue.used.Add(res)
	s.used = s.used.Add(res)

	r.count--
	a.pending--
	a.queue.pending--
	s.pending--
	if r.count == 0 {
		a.minAskStale = true
		a.queue.minAskStale = true
	}
	return c.alloc, true
}

// maxIDTries bounds the search for an unused container id when
// Config.ContainerID returns duplicates.
const maxIDTries = 8

// DefaultContainerID returns fmt.Sprintf("%s_%06d", attemptID, seq), the
// container id used when Config.ContainerID is nil.
func DefaultContainerID(attemptID string, seq int64) string {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], seq, 10)
	sign := ""
	if d[0] == '-' {
		sign, d = "-", d[1:]
	}
	// %06d pads to six characters including the sign.
	pad := max(6-len(sign)-len(d), 0)
	var b strings.Builder
	b.Grow(len(attemptID) + 1 + len(sign) + pad + len(d))
	b.WriteString(attemptID)
	b.WriteByte('_')
	b.WriteString(sign)
	for range pad {
		b.WriteByte('0')
	}
	b.Write(d)
	return b.String()
}
