package scheduler

import "math"

// QueueReport describes one queue.
type QueueReport struct {
	// Name is the queue's name.
	Name string
	// Capacity is the guaranteed percentage of the cluster.
	Capacity float64
	// MaxCapacity is the percentage of the cluster the queue may grow to.
	MaxCapacity float64
	// Used is the sum of the containers allocated to the queue's
	// applications.
	Used Resource
	// Pending is the number of containers the queue's applications are
	// still asking for.
	Pending int64
	// Applications lists the queue's application attempt ids in FIFO order.
	Applications []string
}

// queue is a leaf queue with its applications in FIFO order.
type queue struct {
	name                  string
	capacity, maxCapacity float64 // percentages
	guaranteed            float64 // capacity as a fraction of the cluster
	index                 int     // configuration order, to break ties
	// maxLimit is maxCapacity applied to the current cluster size.
	maxLimit Resource

	used    Resource
	pending int64
	apps    []*app

	// minAsk is the component-wise minimum over the capabilities of pending
	// asks, a cheap test that nothing can fit; recomputed when stale.
	minAsk      Resource
	minAskStale bool

	// share is scratch space for sorting.
	share float64
}

// percentOf returns pct percent of r, rounded down.
func percentOf(r Resource, pct float64) Resource {
	return Resource{
		MemoryMB: int64(math.Floor(float64(r.MemoryMB)*pct/100 + capacityEpsilon)),
		VCores:   int32(math.Floor(float64(r.VCores)*pct/100 + capacityEpsilon)),
	}
}

// dominantShare returns the larger of the memory and vcore fractions of
// total that r uses.
func dominantShare(r, total Resource) float64 {
	var m, v float64
	if total.MemoryMB > 0 {
		m = float64(r.MemoryMB) / float64(total.MemoryMB)
	}
	if total.VCores > 0 {
		v = float64(r.VCores) / float64(total.VCores)
	}
	return math.Max(m, v)
}

// minPendingAsk returns the component-wise minimum capability over the
// queue's pending asks. It is only meaningful while q.pending > 0.
func (q *queue) minPendingAsk() Resource {
	if q.minAskStale {
		m := Resource{MemoryMB: math.MaxInt64, VCores: math.MaxInt32}
		for _, a := range q.apps {
			if a.pending > 0 {
				m = componentMin(m, a.minPendingAsk())
			}
		}
		q.minAsk = m
		q.minAskStale = false
	}
	return q.minAsk
}

// sortQueues orders s.queueOrder by how far each queue is below its
// guarantee: used share divided by guaranteed share, lowest first. Queues
// with no guarantee come last. Ties keep configuration order.
func (s *Scheduler) sortQueues() {
	qs := s.queueOrder
	for _, q := range qs {
		switch {
		case q.guaranteed > 0:
			q.share = dominantShare(q.used, s.total) / q.guaranteed
		default:
			q.share = math.Inf(1)
		}
	}
	// Insertion sort: there are few queues and the order rarely changes
	// much between placements.
	for i := 1; i < len(qs); i++ {
		q := qs[i]
		j := i
		for j > 0 && queueLess(q, qs[j-1]) {
			qs[j] = qs[j-1]
			j--
		}
		qs[j] = q
	}
}

func queueLess(a, b *queue) bool {
	if a.share != b.share {
		return a.share < b.share
	}
	return a.index < b.index
}

// Queues returns a report on every queue in configuration order, with
// "default" last when it was added implicitly.
func (s *Scheduler) Queues() []QueueReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]QueueReport, 0, len(s.queueList))
	for _, q := range s.queueList {
		ids := make([]string, len(q.apps))
		for i, a := range q.apps {
			ids[i] = a.id
		}
		out = append(out, QueueReport{
			Name:         q.name,
			Capacity:     q.capacity,
			MaxCapacity:  q.maxCapacity,
			Used:         q.used,
			Pending:      q.pending,
			Applications: ids,
		})
	}
	return out
}
