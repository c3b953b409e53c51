package scheduler

import (
	"fmt"
	"sort"
)

// NodeReport describes one node.
type NodeReport struct {
	// ID is the node id given to AddNode.
	ID string
	// Total is the node's capacity.
	Total Resource
	// Used is the sum of the containers allocated on the node.
	Used Resource
	// Containers is the number of containers allocated on the node.
	Containers int
}

// node is a NodeManager's capacity and the containers placed on it.
type node struct {
	id          string
	total, used Resource
	containers  []*container
	// index is the node's position in Scheduler.nodeList.
	index int
}

// addContainer files c on n (not its usage: callers count that).
func (n *node) addContainer(c *container) {
	c.nodeIdx = len(n.containers)
	n.containers = append(n.containers, c)
}

// removeContainer takes c out of n's containers.
func (n *node) removeContainer(c *container) {
	last := len(n.containers) - 1
	moved := n.containers[last]
	n.containers[c.nodeIdx] = moved
	moved.nodeIdx = c.nodeIdx
	n.containers[last] = nil
	n.containers = n.containers[:last]
}

func (n *node) report() NodeReport {
	return NodeReport{ID: n.id, Total: n.total, Used: n.used, Containers: len(n.containers)}
}

// AddNode adds a node with the given capacity. Adding an id that already
// exists replaces that node: its containers are released first, as when a
// NodeManager restarts and re-registers.
func (s *Scheduler) AddNode(id string, total Resource) error {
	if id == "" {
		return fmt.Errorf("%w: node id is empty", ErrInvalidRequest)
	}
	if !total.IsPositive() {
		return fmt.Errorf("%w: node %q capacity %s must be positive in memory and vCores", ErrInvalidRequest, id, total)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.nodes[id]; old != nil {
		s.removeNode(old)
	}
	n := &node{id: id, total: total, index: len(s.nodeList)}
	s.nodes[id] = n
	s.nodeList = append(s.nodeList, n)
	s.setClusterTotal(s.total.Add(total))
	return nil
}

// RemoveNode removes a node and returns the containers that were allocated
// on it, which no longer exist. It returns nil for an unknown node.
func (s *Scheduler) RemoveNode(id string) []Allocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[id]
	if n == nil {
		return nil
	}
	return s.removeNode(n)
}

// removeNode releases n's containers and forgets n.
func (s *Scheduler) removeNode(n *node) []Allocation {
	var out []Allocation
	if len(n.containers) > 0 {
		out = make([]Allocation, 0, len(n.containers))
	}
	// release removes from the end of n.containers cheaply.
	for len(n.containers) > 0 {
		c := n.containers[len(n.containers)-1]
		out = append(out, c.alloc)
		s.release(c)
	}
	last := len(s.nodeList) - 1
	moved := s.nodeList[last]
	s.nodeList[n.index] = moved
	moved.index = n.index
	s.nodeList[last] = nil
	s.nodeList = s.nodeList[:last]
	if s.cursor >= len(s.nodeList) {
		s.cursor = 0
	}
	delete(s.nodes, n.id)
	s.setClusterTotal(s.total.Sub(n.total))
	return out
}

// UpdateNodeResource changes a node's capacity, as when a NodeManager
// reports new resources, keeping its containers. An unknown node gives an
// error wrapping ErrUnknownNode; a capacity that is not positive, or below
// what the node's containers use, one wrapping ErrInvalidRequest, since a
// node is never over-committed.
func (s *Scheduler) UpdateNodeResource(id string, total Resource) error {
	if !total.IsPositive() {
		return fmt.Errorf("%w: node %q capacity %s must be positive in memory and vCores", ErrInvalidRequest, id, total)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[id]
	if n == nil {
		return fmt.Errorf("%w: %q", ErrUnknownNode, id)
	}
	if !n.used.LessOrEqual(total) {
		return fmt.Errorf("%w: node %q capacity %s is below the %s its %d containers use",
			ErrInvalidRequest, id, total, n.used, len(n.containers))
	}
	s.setClusterTotal(s.total.Sub(n.total).Add(total))
	n.total = total
	return nil
}

// Node returns a report on the node with the given id.
func (s *Scheduler) Node(id string) (NodeReport, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[id]
	if n == nil {
		return NodeReport{}, false
	}
	return n.report(), true
}

// Nodes returns a report on every node, sorted by id.
func (s *Scheduler) Nodes() []NodeReport {
	s.mu.Lock()
	out := make([]NodeReport, 0, len(s.nodeList))
	for _, n := range s.nodeList {
		out = append(out, n.report())
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// setClusterTotal records a new cluster capacity and the queue limits that
// derive from it.
func (s *Scheduler) setClusterTotal(total Resource) {
	s.total = total
	s.nodeTotals = nil
	for _, q := range s.queueList {
		q.maxLimit = percentOf(total, q.maxCapacity)
	}
}
