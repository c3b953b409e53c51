package scheduler

// NodeUpdate allocates containers on the node, as the CapacityScheduler
// does on a node heartbeat, and returns them. It counts as one scheduling
// opportunity for asks waiting for other nodes. It returns nil for an
// unknown node or when nothing fits.
func (s *Scheduler) NodeUpdate(nodeID string) []Allocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[nodeID]
	if n == nil {
		return nil
	}
	s.tick++
	out, _ := s.allocateOn(n, nil, s.cfg.MaxAssignmentsPerNode)
	return out
}

// Schedule runs one allocation pass over every node, starting with the
// node after the one where the previous pass stopped, and returns the
// containers allocated. The pass stops early once no container is pending.
// The whole pass counts as one scheduling opportunity for asks waiting for
// other nodes.
func (s *Scheduler) Schedule() []Allocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tick++
	var out []Allocation
	// Rounds over all nodes, each placing at most MaxAssignmentsPerNode per
	// node, until a round places nothing: with a cap of 1 containers spread.
	for placedInRound := true; placedInRound && s.pending > 0; {
		placedInRound = false
		for visited := 0; visited < len(s.nodeList) && s.pending > 0; visited++ {
			n := s.nodeList[s.cursor]
			s.cursor++
			if s.cursor == len(s.nodeList) {
				s.cursor = 0
			}
			var placed int
			out, placed = s.allocateOn(n, out, s.cfg.MaxAssignmentsPerNode)
			placedInRound = placedInRound || placed > 0
		}
		if s.cfg.MaxAssignmentsPerNode <= 0 {
			break
		}
	}
	return out
}

// allocateOn places containers on n until nothing more fits or limit (0 =
// none) are placed, appending them to out; it returns how many it placed.
func (s *Scheduler) allocateOn(n *node, out []Allocation, limit int) ([]Allocation, int) {
	placedHere := 0
	for s.pending > 0 && (limit <= 0 || placedHere < limit) {
		free := n.total.Sub(n.used)
		s.sortQueues()
		placed := false
		for _, q := range s.queueOrder {
			if q.pending == 0 {
				continue
			}
			headroom := q.maxLimit.Sub(q.used)
			if m := q.minPendingAsk(); !m.LessOrEqual(free) || !m.LessOrEqual(headroom) {
				continue
			}
			if alloc, ok := s.assignInQueue(q, n, componentMin(free, headroom)); ok {
				if out == nil {
					out = make([]Allocation, 0, estimateCount(free, alloc.Resource))
				}
				out = append(out, alloc)
				placed = true
				placedHere++
				break
			}
		}
		if !placed {
			break
		}
	}
	return out, placedHere
}

// assignInQueue places one container on n for the first attempt in q's
// FIFO order with an ask that fits within avail (the smaller of the node's
// free resources and the queue's headroom) and whose locality allows n.
func (s *Scheduler) assignInQueue(q *queue, n *node, avail Resource) (Allocation, bool) {
	for _, a := range q.apps {
		if a.pending == 0 || !a.minPendingAsk().LessOrEqual(avail) {
			continue
		}
		for i := range a.reqs {
			r := &a.reqs[i]
			if r.count == 0 || !r.capability.LessOrEqual(avail) {
				continue
			}
			local := false
			if len(r.nodes) > 0 {
				local = r.prefers(n.id)
				if !local && !s.mayPlaceOffNode(r) {
					continue
				}
			}
			alloc, ok := s.place(a, r, n)
			if !ok {
				// The attempt's container ids are exhausted for now;
				// let other attempts use the node.
				break
			}
			if local {
				// As in YARN, a node-local placement restarts the delay
				// for the ask's next container.
				r.missed = 0
			}
			return alloc, true
		}
	}
	return Allocation{}, false
}

// mayPlaceOffNode reports whether r, which fits on a node it does not
// prefer, may be placed there now. If not, the current scheduling
// opportunity is counted as missed (once per opportunity).
func (s *Scheduler) mayPlaceOffNode(r *request) bool {
	if !r.relax {
		return false
	}
	if r.missTick == s.tick {
		// Already counted a miss in this opportunity: it has to end
		// before the ask may leave its preferred nodes.
		return false
	}
	if r.missed >= s.cfg.NodeLocalityDelay {
		return true
	}
	r.missed++
	r.missTick = s.tick
	return false
}

// estimateCount guesses how many containers of size r fit in free, to size
// the result slice once.
func estimateCount(free, r Resource) int {
	n := min(free.MemoryMB/r.MemoryMB, int64(free.VCores/r.VCores))
	return int(min(max(n, 1), 64))
}
