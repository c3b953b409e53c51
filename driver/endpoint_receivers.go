package driver

import (
	"fmt"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// Send sends m on executor id's session, waiting for room in its queue
// for as long as a launch does.
func (e *Endpoint) Send(executorID string, m *pb.DriverMessage) error {
	e.mu.Lock()
	s := e.executors[executorID]
	e.mu.Unlock()
	if s == nil {
		return fmt.Errorf("%w: %s", ErrUnknownExecutor, executorID)
	}
	t := time.NewTimer(launchWait)
	defer t.Stop()
	select {
	case s.send <- m:
		return nil
	case <-s.done:
		return fmt.Errorf("%w: %s (its session ended)", ErrUnknownExecutor, executorID)
	case <-t.C:
		return fmt.Errorf("driver: executor %s is not taking messages", executorID)
	}
}

// Executors lists the connected executors with their hosts.
func (e *Endpoint) Executors() map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]string, len(e.executors))
	for id, s := range e.executors {
		out[id] = s.host
	}
	return out
}
