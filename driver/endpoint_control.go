package driver

import (
	"context"
	"fmt"
	"sort"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// launchWait bounds how long Launch waits for an executor's queue.
const launchWait = 10 * time.Second

// OnEvent sets the function told of executors coming, going and finishing
// tasks, in the order those happened, one event at a time. Executors
// already connected are told of as added.
func (e *Endpoint) OnEvent(fn func(Event)) {
	e.mu.Lock()
	e.onEvent = fn
	ids := make(map[string]bool, len(e.executors))
	for id := range e.executors {
		ids[id] = true
	}
	for _, id := range sortedIDs(ids) {
		s := e.executors[id]
		e.enqueueLocked(Event{ExecutorID: id, Added: true, Host: s.host, Cores: s.cores})
	}
	e.mu.Unlock()
	e.deliver()
}

// enqueueLocked queues ev behind the events of earlier changes.
func (e *Endpoint) enqueueLocked(ev Event) { e.queue = append(e.queue, ev) }

// deliver hands queued events to onEvent unless another goroutine is
// doing so, which then delivers these too. Events queued while no function
// is set are dropped.
func (e *Endpoint) deliver() {
	e.mu.Lock()
	if e.emitting {
		e.mu.Unlock()
		return
	}
	e.emitting = true
	for len(e.queue) > 0 {
		evs, fn := e.queue, e.onEvent
		e.queue = nil
		e.mu.Unlock()
		if fn != nil {
			for _, ev := range evs {
				fn(ev)
			}
		}
		e.mu.Lock()
	}
	e.emitting = false
	e.mu.Unlock()
}

// Launch sends a task to an executor's open session.
func (e *Endpoint) Launch(executorID string, t *pb.LaunchTask) error {
	e.mu.Lock()
	s, ok := e.executors[executorID]
	if ok {
		if e.launched[executorID] == nil {
			e.launched[executorID] = map[int64]*pb.LaunchTask{}
		}
		e.launched[executorID][t.GetTid()] = t
	}
	e.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownExecutor, executorID)
	}
	timer := time.NewTimer(launchWait)
	defer timer.Stop()
	var err error
	select {
	case s.send <- &pb.DriverMessage{Message: &pb.DriverMessage_Launch{Launch: t}}:
		return nil
	case <-s.done:
		err = fmt.Errorf("%w: %s (its session ended)", ErrUnknownExecutor, executorID)
	case <-timer.C:
		err = fmt.Errorf("driver: executor %s is not taking tasks", executorID)
	}
	e.mu.Lock()
	delete(e.launched[executorID], t.GetTid())
	e.mu.Unlock()
	return err
}

// Kill asks executor id to stop launch tid, if the executor is connected.
func (e *Endpoint) Kill(executorID string, tid int64, reason string) {
	e.mu.Lock()
	s := e.executors[executorID]
	e.mu.Unlock()
	if s == nil {
		return
	}
	select {
	case s.send <- &pb.DriverMessage{Message: &pb.DriverMessage_Kill{Kill: &pb.KillTask{Tid: tid, Reason: reason}}}:
	case <-s.done:
	case <-time.After(launchWait):
	}
}

// RegisterExecutor is the unary registration kept for executors that only
// heartbeat; sessions through Connect are preferred.
func (e *Endpoint) RegisterExecutor(ctx context.Context, req *pb.RegisterExecutorRequest) (*pb.RegisterExecutorResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seen[req.GetExecutorId()] = true
	return &pb.RegisterExecutorResponse{}, nil
}

// ExecutorHeartbeat tells a released executor to exit.
func (e *Endpoint) ExecutorHeartbeat(ctx context.Context, req *pb.ExecutorHeartbeatRequest) (*pb.ExecutorHeartbeatResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return &pb.ExecutorHeartbeatResponse{Shutdown: e.finished || e.released[req.GetExecutorId()]}, nil
}

// DriverStatus reports whether the driver has finished, the executors
// that registered and those declared lost for silence.
func (e *Endpoint) DriverStatus(ctx context.Context, _ *pb.DriverStatusRequest) (*pb.DriverStatusResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return &pb.DriverStatusResponse{Finished: e.finished, Succeeded: e.succeeded, Diagnostics: e.diag,
		RegisteredExecutors: sortedIDs(e.seen), TimedOutExecutors: sortedIDs(e.timedOut)}, nil
}

func sortedIDs(m map[string]bool) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Registered reports whether executor id has registered.
func (e *Endpoint) Registered(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.seen[id]
}

// TimedOut reports whether executor id was declared lost for sending
// nothing for spark.network.timeout; its container should be released
// and replaced.
func (e *Endpoint) TimedOut(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.timedOut[id]
}

// Connected is the number of executors with a live session.
func (e *Endpoint) Connected() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.executors)
}

// Release tells executor id to exit.
func (e *Endpoint) Release(id string) {
	e.mu.Lock()
	e.released[id] = true
	s := e.executors[id]
	e.mu.Unlock()
	if s != nil {
		s.shutdown()
	}
}

// Finish records the driver's end and tells every executor to exit.
func (e *Endpoint) Finish(succeeded bool, diagnostic string) {
	e.mu.Lock()
	e.finished, e.succeeded, e.diag = true, succeeded, diagnostic
	var all []*session
	for _, s := range e.executors {
		all = append(all, s)
	}
	e.mu.Unlock()
	for _, s := range all {
		s.shutdown()
	}
}

// shutdown queues the message that tells the executor to exit, unless its
// queue is full.
func (s *session) shutdown() {
	select {
	case s.send <- &pb.DriverMessage{Message: &pb.DriverMessage_Shutdown{Shutdown: true}}:
	default:
	}
}
