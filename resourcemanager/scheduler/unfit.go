package scheduler

// UnfitAsk is a pending ask that no node could hold, however empty.
type UnfitAsk struct {
	// Priority and Capability are the ask's; Count is how many containers
	// it still wants.
	Priority   int32
	Capability Resource
	Count      int64
}

// UnfitAsks returns the attempt's pending asks that fit no node's whole
// capacity — among their preferred nodes when they keep to them — so that
// they wait until a larger node registers; and the largest capacity the
// nodes offer, component-wise. An unknown attempt has none.
func (s *Scheduler) UnfitAsks(attemptID string) ([]UnfitAsk, Resource) {
	s.mu.Lock()
	defer s.mu.Unlock()
	totals := s.distinctTotals()
	var largest Resource
	for _, t := range totals {
		largest = componentMax(largest, t)
	}
	a := s.apps[attemptID]
	if a == nil || a.pending == 0 {
		return nil, largest
	}
	var out []UnfitAsk
	for i := range a.reqs {
		r := &a.reqs[i]
		if r.count == 0 || s.fitsSomeNode(r, totals) {
			continue
		}
		out = append(out, UnfitAsk{Priority: r.priority, Capability: r.capability, Count: r.count})
	}
	return out, largest
}

// fitsSomeNode reports whether some node that r may go to could hold it.
func (s *Scheduler) fitsSomeNode(r *request, totals []Resource) bool {
	if len(r.nodes) > 0 && !r.relax {
		for _, id := range r.nodes {
			if n := s.nodes[id]; n != nil && r.capability.LessOrEqual(n.total) {
				return true
			}
		}
		return false
	}
	for _, t := range totals {
		if r.capability.LessOrEqual(t) {
			return true
		}
	}
	return false
}

// distinctTotals are the nodes' capacities without repeats: clusters have
// few node shapes, so checking an ask against them is cheap.
func (s *Scheduler) distinctTotals() []Resource {
	if s.nodeTotals != nil {
		return s.nodeTotals
	}
	seen := map[Resource]bool{}
	totals := []Resource{}
	for _, n := range s.nodeList {
		if !seen[n.total] {
			seen[n.total] = true
			totals = append(totals, n.total)
		}
	}
	s.nodeTotals = totals
	return totals
}
