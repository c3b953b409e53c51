package taskscheduler

// Reserve takes one free core of executor id for a launch that runs
// beside the task sets (a receiver) and returns the launch's TID; false
// when the executor is unknown or busy. The core is free again when the
// launch's end is reported (TaskFinished) or the executor is removed.
func (s *Scheduler) Reserve(id string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.executors[id]
	if !ok || len(e.running) >= e.cores {
		return 0, false
	}
	s.nextTID++
	e.running[s.nextTID] = true
	return s.nextTID, true
}

// Prefer makes executor id the preferred one of partition's tasks, as if
// it had run the partition last.
func (s *Scheduler) Prefer(partition, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastExecutor[partition] = id
}

// Executors returns each executor's cores and the cores in use.
func (s *Scheduler) Executors() map[string]ExecutorCores {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]ExecutorCores, len(s.executors))
	for id, e := range s.executors {
		out[id] = ExecutorCores{Host: e.host, Cores: e.cores, Busy: len(e.running)}
	}
	return out
}

// ExecutorCores describes one executor's cores.
type ExecutorCores struct {
	Host        string
	Cores, Busy int
}
