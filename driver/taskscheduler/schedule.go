package taskscheduler

import "time"

// Schedule assigns pending tasks to free cores, as Spark's resourceOffers
// with delay scheduling, and returns the launches to make. Once pending
// tasks have their cores, a task whose only running attempt has run past
// TaskTimeout is launched again on another executor (on the same one only
// when no other may run it); both attempts run and the first to succeed wins.
func (s *Scheduler) Schedule() []Assignment {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil || s.remaining == 0 {
		return nil
	}
	now := s.now()
	var out []Assignment
	for _, eid := range s.executorIDs() {
		e := s.executors[eid]
		for len(e.running) < e.cores {
			// Move to a wider level once the current one has waited long
			// enough without launching anything. As Spark's
			// getAllowedLocalityLevel, this is asked at every offer, so
			// that with a wait of 0 a launch at a narrow level does not
			// hold the next offer to that level.
			for s.level < Any && now.Sub(s.lastLaunch) >= s.cfg.LocalityWait {
				s.level++
				s.lastLaunch = s.lastLaunch.Add(s.cfg.LocalityWait)
			}
			t, lvl := s.pickLocked(e)
			var over *attempt
			if t == nil {
				if t, over = s.pickOverranLocked(e, now); t == nil {
					break
				}
				lvl = s.localityLocked(t, e)
			} else if s.hasPreferredAlive(t) && lvl <= s.level {
				// A launch with a preference resets the wait at its
				// level, as Spark's currentLocalityIndex; tasks without
				// one do not.
				s.level, s.lastLaunch = lvl, now
			}
			out = append(out, s.launchLocked(t, e, lvl, over, now))
		}
	}
	return out
}

// launchLocked records a new attempt of t on e; over is the attempt that
// ran past the timeout, for a launch beside it.
func (s *Scheduler) launchLocked(t *taskState, e *executorState, lvl int, over *attempt, now time.Time) Assignment {
	s.nextTID++
	t.launched++
	a := &attempt{tid: s.nextTID, number: t.launched, executor: e.id, started: now}
	t.running = append(t.running, a)
	s.byTID[a.tid] = t
	e.running[a.tid] = true
	as := Assignment{TaskID: t.ID, ExecutorID: e.id, Attempt: a.number, TID: a.tid, Locality: lvl}
	if over != nil {
		as.Overran = &Overran{ExecutorID: over.executor, Attempt: over.number, For: now.Sub(over.started)}
	} else {
		s.lastExecutor[t.Partition] = e.id
	}
	return as
}

// pickLocked chooses the best pending task for e at the allowed level.
func (s *Scheduler) pickLocked(e *executorState) (*taskState, int) {
	var best *taskState
	bestLvl := Any + 1
	for _, id := range s.order {
		t := s.tasks[id]
		if t.done || len(t.running) > 0 || s.avoidLocked(t, e) {
			continue
		}
		lvl := s.localityLocked(t, e)
		if lvl > s.level && s.hasPreferredAlive(t) {
			continue
		}
		if lvl < bestLvl {
			best, bestLvl = t, lvl
			if lvl == ProcessLocal {
				break
			}
		}
	}
	if best == nil {
		return nil, 0
	}
	return best, bestLvl
}

// pickOverranLocked chooses a task for e whose only running attempt has
// run past the timeout, and returns it with that attempt.
func (s *Scheduler) pickOverranLocked(e *executorState, now time.Time) (*taskState, *attempt) {
	if s.cfg.TaskTimeout <= 0 {
		return nil, nil
	}
	for _, id := range s.order {
		t := s.tasks[id]
		if t.done || len(t.running) != 1 || s.avoidLocked(t, e) {
			continue
		}
		a := t.running[0]
		if now.Sub(a.started) < s.cfg.TaskTimeout || (a.executor == e.id && s.elsewhereLocked(t, a)) {
			continue
		}
		return t, a
	}
	return nil, nil
}

// elsewhereLocked reports whether an executor other than a's could run
// another attempt of t.
func (s *Scheduler) elsewhereLocked(t *taskState, a *attempt) bool {
	for id, e := range s.executors {
		if id != a.executor && !s.avoidLocked(t, e) {
			return true
		}
	}
	return false
}

// avoidLocked reports whether t should not run on e: a task bound to a
// live executor runs nowhere else, and a retry avoids the executors it
// failed on while others exist.
func (s *Scheduler) avoidLocked(t *taskState, e *executorState) bool {
	if t.Executor != "" && t.Executor != e.id {
		if _, alive := s.executors[t.Executor]; alive {
			return true
		}
	}
	return t.failedOn[e.id] && len(t.failedOn) < len(s.executors)
}

// localityLocked is t's locality on e.
func (s *Scheduler) localityLocked(t *taskState, e *executorState) int {
	prev, ok := s.lastExecutor[t.Partition]
	switch {
	case !ok:
		return Any
	case prev == e.id:
		return ProcessLocal
	}
	if p, ok := s.executors[prev]; ok && p.host == e.host {
		return NodeLocal
	}
	return Any
}

// hasPreferredAlive reports whether t's preferred executor still exists:
// a task whose executor is gone has no locality to wait for.
func (s *Scheduler) hasPreferredAlive(t *taskState) bool {
	prev, ok := s.lastExecutor[t.Partition]
	if !ok {
		return false
	}
	_, alive := s.executors[prev]
	return alive
}
