package scheduler

import (
	"cmp"
	"fmt"
	"slices"
)

// MaxRequestCount is the largest Count a Request may carry; it keeps the
// scheduler's pending totals far from overflow.
const MaxRequestCount = 1 << 32

// smallNodeList is the longest preferred-node list searched linearly;
// longer lists get a set.
const smallNodeList = 8

// Request asks for containers of one size at one priority.
type Request struct {
	// Priority orders an application's asks: lower numbers are served
	// first, as in YARN.
	Priority int32
	// Capability is the size of each container. Both components must be
	// positive and at most Config.MaximumAllocation; components below
	// Config.MinimumAllocation are raised to it.
	Capability Resource
	// Count is how many more containers are wanted, at most
	// MaxRequestCount. Zero asks for nothing.
	Count int
	// Nodes lists preferred node ids. Empty means any node.
	Nodes []string
	// RelaxLocality lets the ask go to a node not in Nodes once it has
	// missed Config.NodeLocalityDelay scheduling opportunities. When false
	// the ask is only ever placed on one of Nodes. It has no effect when
	// Nodes is empty.
	RelaxLocality bool
}

// request is a Request as the scheduler tracks it.
type request struct {
	priority   int32
	capability Resource // normalised to MinimumAllocation
	count      int64
	nodes      []string
	nodeSet    map[string]struct{} // set when nodes is long
	relax      bool
	// missed counts scheduling opportunities the ask passed up waiting for
	// a preferred node; missTick is the opportunity it last counted.
	missed   int
	missTick uint64
}

// prefers reports whether the ask may be placed on nodeID without waiting.
func (r *request) prefers(nodeID string) bool {
	if r.nodeSet != nil {
		_, ok := r.nodeSet[nodeID]
		return ok
	}
	for _, n := range r.nodes {
		if n == nodeID {
			return true
		}
	}
	return false
}

// SetRequests replaces the outstanding asks of an attempt with reqs. An
// ApplicationMaster sends its whole table on every heartbeat, and each
// Count is how many containers are still wanted, so containers allocated
// before the call are not subtracted from it. Invalid asks give an error
// wrapping ErrInvalidRequest and leave the previous asks in place.
func (s *Scheduler) SetRequests(attemptID string, reqs []Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.lookupApp(attemptID)
	if err != nil {
		return err
	}
	norm, err := s.normalize(attemptID, reqs)
	if err != nil {
		return err
	}
	carryMissed(a.reqs, norm)
	s.setPending(a, norm)
	return nil
}

// normalize validates reqs and converts them to sorted, normalised asks,
// dropping those with a zero count.
func (s *Scheduler) normalize(attemptID string, reqs []Request) ([]request, error) {
	maxAlloc, minAlloc := s.cfg.MaximumAllocation, s.cfg.MinimumAllocation
	out := make([]request, 0, len(reqs))
	for i, r := range reqs {
		if r.Count < 0 {
			return nil, fmt.Errorf("%w: attempt %q request %d (priority %d, capability %s): count %d is negative",
				ErrInvalidRequest, attemptID, i, r.Priority, r.Capability, r.Count)
		}
		if r.Count > MaxRequestCount {
			return nil, fmt.Errorf("%w: attempt %q request %d (priority %d, capability %s): count %d exceeds %d",
				ErrInvalidRequest, attemptID, i, r.Priority, r.Capability, r.Count, MaxRequestCount)
		}
		if !r.Capability.IsPositive() {
			return nil, fmt.Errorf("%w: attempt %q request %d (priority %d, capability %s): memory and vCores must be positive",
				ErrInvalidRequest, attemptID, i, r.Priority, r.Capability)
		}
		if !r.Capability.LessOrEqual(maxAlloc) {
			return nil, fmt.Errorf("%w: attempt %q request %d (priority %d, capability %s) exceeds the maximum allocation %s",
				ErrInvalidRequest, attemptID, i, r.Priority, r.Capability, maxAlloc)
		}
		for j, n := range r.Nodes {
			if n == "" {
				return nil, fmt.Errorf("%w: attempt %q request %d (priority %d, capability %s): preferred node %d is empty",
					ErrInvalidRequest, attemptID, i, r.Priority, r.Capability, j)
			}
		}
		if r.Count == 0 {
			continue
		}
		nr := request{
			priority:   r.Priority,
			capability: componentMax(r.Capability, minAlloc),
			count:      int64(r.Count),
			relax:      r.RelaxLocality,
		}
		if len(r.Nodes) > 0 {
			nr.nodes = slices.Clone(r.Nodes)
			if len(nr.nodes) > smallNodeList {
				nr.nodeSet = make(map[string]struct{}, len(nr.nodes))
				for _, n := range nr.nodes {
					nr.nodeSet[n] = struct{}{}
				}
			}
		}
		out = append(out, nr)
	}
	slices.SortStableFunc(out, func(a, b request) int { return cmp.Compare(a.priority, b.priority) })
	return out, nil
}

// carryMissed copies missed scheduling opportunities from old asks to new
// asks of the same priority, so that resending an ask does not restart its
// locality delay. Both slices are sorted by priority.
func carryMissed(old, updated []request) {
	j := 0
	for i := range updated {
		p := updated[i].priority
		for j < len(old) && old[j].priority < p {
			j++
		}
		for k := j; k < len(old) && old[k].priority == p; k++ {
			if old[k].missed > updated[i].missed {
				updated[i].missed = old[k].missed
				updated[i].missTick = old[k].missTick
			}
		}
	}
}

// setPending replaces a's asks and keeps the pending counts of a, its queue
// and the scheduler in step.
func (s *Scheduler) setPending(a *app, reqs []request) {
	var n int64
	for i := range reqs {
		n += reqs[i].count
	}
	delta := n - a.pending
	a.reqs = reqs
	a.pending = n
	a.queue.pending += delta
	s.pending += delta
	a.minAskStale = true
	a.queue.minAskStale = true
}
