package scheduler

import (
	"fmt"
	"slices"
)

// MoveApplication moves an attempt, with its containers and asks, to
// another queue, behind the attempts of its priority there (YARN's
// moveApplicationAcrossQueues). The target's maximum capacity is not
// checked: containers already running keep running.
func (s *Scheduler) MoveApplication(attemptID, queueName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[attemptID]
	if a == nil {
		return fmt.Errorf("%w %q", ErrUnknownApplication, attemptID)
	}
	to := s.queues[queueName]
	if to == nil {
		return fmt.Errorf("%w %q for attempt %q (known queues: %s)", ErrUnknownQueue, queueName, attemptID, s.queueNames)
	}
	from := a.queue
	if from == to {
		return nil
	}
	from.apps = slices.DeleteFunc(from.apps, func(x *app) bool { return x == a })
	from.used = from.used.Sub(a.used)
	from.pending -= a.pending
	from.minAskStale = true
	a.queue = to
	to.used = to.used.Add(a.used)
	to.pending += a.pending
	to.minAskStale = true
	to.insert(a)
	return nil
}

// insert places a after the queue's attempts of its priority or higher.
func (q *queue) insert(a *app) {
	i := len(q.apps)
	for i > 0 && q.apps[i-1].priority < a.priority {
		i--
	}
	q.apps = slices.Insert(q.apps, i, a)
}
