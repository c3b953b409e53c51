package scheduler

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// ApplicationReport describes one application attempt.
type ApplicationReport struct {
	// AttemptID is the id given to AddApplication.
	AttemptID string
	// Queue is the queue the attempt belongs to.
	Queue string
	// Used is the sum of the attempt's containers.
	Used Resource
	// Containers is the number of containers the attempt holds.
	Containers int
	// Pending is the number of containers the attempt is still asking for.
	Pending int64
}

// app is an application attempt: its asks and its containers.
type app struct {
	id    string
	queue *queue
	// priority orders the attempt in its queue: higher first, then in the
	// order attempts were added.
	priority int32
	// seq numbers the attempt's containers, from 1.
	seq        int64
	reqs       []request // sorted by priority, lowest number first
	pending    int64
	used       Resource
	containers []*container

	// minAsk is the component-wise minimum capability over pending asks;
	// recomputed when stale.
	minAsk      Resource
	minAskStale bool
}

// minPendingAsk returns the component-wise minimum capability over the
// attempt's pending asks. It is only meaningful while a.pending > 0.
func (a *app) minPendingAsk() Resource {
	if a.minAskStale {
		m := Resource{MemoryMB: math.MaxInt64, VCores: math.MaxInt32}
		for i := range a.reqs {
			if a.reqs[i].count > 0 {
				m = componentMin(m, a.reqs[i].capability)
			}
		}
		a.minAsk = m
		a.minAskStale = false
	}
	return a.minAsk
}

// AddApplication registers an application attempt in a queue, behind the
// attempts already there. An unknown queue gives an error wrapping
// ErrUnknownQueue; an attempt id already registered gives one wrapping
// ErrApplicationExists.
func (s *Scheduler) AddApplication(attemptID, queueName string) error {
	if attemptID == "" {
		return fmt.Errorf("%w: attempt id is empty", ErrInvalidRequest)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[queueName]
	if q == nil {
		return fmt.Errorf("%w %q for attempt %q (known queues: %s)", ErrUnknownQueue, queueName, attemptID, s.queueNames)
	}
	if old := s.apps[attemptID]; old != nil {
		return fmt.Errorf("%w: attempt %q in queue %q", ErrApplicationExists, attemptID, old.queue.name)
	}
	a := &app{id: attemptID, queue: q}
	s.apps[attemptID] = a
	q.apps = append(q.apps, a)
	return nil
}

// SetPriority sets an attempt's priority in its queue: the queue serves
// attempts with a higher priority first and, among equals, those added
// first, as YARN's capacity scheduler orders applications. An unknown
// attempt gives an error wrapping ErrUnknownApplication.
func (s *Scheduler) SetPriority(attemptID string, priority int32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[attemptID]
	if a == nil {
		return fmt.Errorf("%w: attempt %q", ErrUnknownApplication, attemptID)
	}
	a.priority = priority
	// Stable, so that attempts of equal priority keep their order.
	slices.SortStableFunc(a.queue.apps, func(x, y *app) int { return cmp.Compare(y.priority, x.priority) })
	return nil
}

// RemoveApplication unregisters an attempt, drops its asks and releases its
// containers, which it returns. It returns nil for an unknown attempt.
func (s *Scheduler) RemoveApplication(attemptID string) []Allocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[attemptID]
	if a == nil {
		return nil
	}
	var out []Allocation
	if len(a.containers) > 0 {
		out = make([]Allocation, 0, len(a.containers))
	}
	for len(a.containers) > 0 {
		c := a.containers[len(a.containers)-1]
		out = append(out, c.alloc)
		s.release(c)
	}
	s.setPending(a, nil)
	q := a.queue
	for i, qa := range q.apps {
		if qa == a {
			// Keep FIFO order: shift rather than swap.
			copy(q.apps[i:], q.apps[i+1:])
			q.apps[len(q.apps)-1] = nil
			q.apps = q.apps[:len(q.apps)-1]
			break
		}
	}
	delete(s.apps, attemptID)
	return out
}

// Application returns a report on the attempt with the given id.
func (s *Scheduler) Application(attemptID string) (ApplicationReport, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[attemptID]
	if a == nil {
		return ApplicationReport{}, false
	}
	return ApplicationReport{
		AttemptID:  a.id,
		Queue:      a.queue.name,
		Used:       a.used,
		Containers: len(a.containers),
		Pending:    a.pending,
	}, true
}
