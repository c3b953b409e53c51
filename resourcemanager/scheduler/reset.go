package scheduler

// Reset forgets every node, application and container and keeps the
// queues' configuration: a ResourceManager that becomes active again
// rebuilds its view from the replicated state and NMs' registrations.
func (s *Scheduler) Reset() {
	fresh, err := New(s.cfg)
	if err != nil {
		return // s.cfg was valid when s was made
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nodes, s.nodeList, s.cursor = fresh.nodes, fresh.nodeList, fresh.cursor
	s.queues, s.queueList, s.queueOrder, s.queueNames = fresh.queues, fresh.queueList, fresh.queueOrder, fresh.queueNames
	s.apps, s.containers, s.spare = fresh.apps, fresh.containers, nil
	s.total, s.used, s.pending, s.tick = Resource{}, Resource{}, 0, 0
}

// ContinueIDsFrom makes the attempt's later container ids continue after
// seq, so that ids handed out by an earlier active ResourceManager, which
// NMs may report later, are never handed out again.
func (s *Scheduler) ContinueIDsFrom(attemptID string, seq int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.apps[attemptID]; a != nil {
		a.seq = max(a.seq, seq)
	}
}
