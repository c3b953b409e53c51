package taskscheduler

import (
	"errors"
	"fmt"
)

// ErrLaunchLost marks the end of an attempt that never ran to a result of
// its own: its launch was lost on the way to the executor (a session
// replaced, an executor gone before it took the task). The task runs
// again without the attempt counting against spark.task.maxFailures.
var ErrLaunchLost = errors.New("taskscheduler: launch lost")

// Finished is what the end of one attempt decided.
type Finished struct {
	// Won: the attempt succeeded first; its result is the task's.
	Won bool
	// Failed: the attempt failed and it counts against
	// spark.task.maxFailures (an ErrLaunchLost end does not).
	Failed bool
	// Kill lists the task's other running attempts, to stop now that one
	// has won.
	Kill []Assignment
}

// TaskFinished records the end of launch tid on executorID; err is nil
// when it succeeded. The core it held is free again. The end of an attempt
// that no longer counts (a loser, one already failed for a lost executor,
// one of an earlier task set) decides nothing.
func (s *Scheduler) TaskFinished(tid int64, executorID string, err error) Finished {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.executors[executorID]; ok {
		delete(e.running, tid)
	}
	t := s.byTID[tid]
	if t == nil {
		return Finished{}
	}
	a := t.attempt(tid)
	if a == nil || a.executor != executorID {
		return Finished{}
	}
	s.endAttemptLocked(t, a)
	switch {
	case errors.Is(err, ErrLaunchLost):
		return Finished{}
	case err != nil:
		s.failLocked(t, executorID, err.Error())
		return Finished{Failed: true}
	}
	t.done = true
	s.remaining--
	var kill []Assignment
	for _, o := range t.running {
		kill = append(kill, Assignment{TaskID: t.ID, ExecutorID: o.executor, Attempt: o.number, TID: o.tid})
		delete(s.byTID, o.tid)
	}
	t.running = nil
	return Finished{Won: true, Kill: kill}
}

// endAttemptLocked forgets a as one of t's running attempts.
func (s *Scheduler) endAttemptLocked(t *taskState, a *attempt) {
	for i, o := range t.running {
		if o == a {
			t.running = append(t.running[:i], t.running[i+1:]...)
			break
		}
	}
	delete(s.byTID, a.tid)
}

// failLocked records a failed attempt and fails the set past MaxFailures.
func (s *Scheduler) failLocked(t *taskState, executorID, msg string) {
	t.failures++
	t.failedOn[executorID] = true
	if t.failures >= s.cfg.MaxFailures && s.err == nil {
		s.err = fmt.Errorf("%w: task %s failed %d times (spark.task.maxFailures = %d); most recent failure: %s",
			ErrTaskSetFailed, t.ID, t.failures, s.cfg.MaxFailures, msg)
	}
}
