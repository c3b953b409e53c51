package driver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// Event is something that happened to an executor.
type Event struct {
	// ExecutorID is the executor the event is about.
	ExecutorID string
	// Added: the executor registered, with Host and Cores.
	Added bool
	Host  string
	Cores int
	// Lost: the executor's session ended, for Reason.
	Lost   bool
	Reason string
	// Status is a task's end reported by the executor.
	Status *pb.TaskStatus
}

// ErrUnknownExecutor is returned when launching on an executor that is not connected.
var ErrUnknownExecutor = errors.New("driver: executor not connected")

// Endpoint serves the Task protocol where the driver lives.
type Endpoint struct {
	pb.UnimplementedTaskServer

	mu        sync.Mutex
	executors map[string]*session
	seen      map[string]bool
	released  map[string]bool
	finished  bool
	succeeded bool
	diag      string
	onEvent   func(Event)
}

// session is one connected executor.
type session struct {
	id, host string
	cores    int
	send     chan *pb.DriverMessage
	done     chan struct{}
}

// NewEndpoint returns an endpoint with no executors.
func NewEndpoint() *Endpoint {
	return &Endpoint{executors: map[string]*session{}, seen: map[string]bool{}, released: map[string]bool{}}
}

// OnEvent sets the function told of executors coming, going and finishing
// tasks; it is called from the executors' stream goroutines.
func (e *Endpoint) OnEvent(fn func(Event)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.onEvent = fn
}

func (e *Endpoint) emit(ev Event) {
	e.mu.Lock()
	fn := e.onEvent
	e.mu.Unlock()
	if fn != nil {
		fn(ev)
	}
}

// Connect is one executor's session.
func (e *Endpoint) Connect(stream pb.Task_ConnectServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	reg := first.GetRegister()
	if reg == nil || reg.GetExecutorId() == "" {
		return errors.New("driver: an executor's first message must register it with its executor id")
	}
	s := &session{id: reg.GetExecutorId(), host: reg.GetHost(), cores: int(max(reg.GetCores(), 1)), send: make(chan *pb.DriverMessage, 64), done: make(chan struct{})}
	e.mu.Lock()
	if old, ok := e.executors[s.id]; ok {
		close(old.done)
	}
	e.executors[s.id] = s
	e.seen[s.id] = true
	stop := e.finished || e.released[s.id]
	e.mu.Unlock()
	if stop {
		stream.Send(&pb.DriverMessage{Message: &pb.DriverMessage_Shutdown{Shutdown: true}})
		return nil
	}
	// An empty message acknowledges the registration.
	if err := stream.Send(&pb.DriverMessage{}); err != nil {
		return err
	}
	e.emit(Event{ExecutorID: s.id, Added: true, Host: s.host, Cores: s.cores})

	recvErr := make(chan error, 1)
	go func() {
		for {
			m, err := stream.Recv()
			if err != nil {
				recvErr <- err
				return
			}
			if st := m.GetStatus(); st != nil {
				e.emit(Event{ExecutorID: s.id, Status: st})
			}
		}
	}()
	var reason string
	for {
		select {
		case m := <-s.send:
			if err := stream.Send(m); err != nil {
				reason = fmt.Sprintf("send to executor %s: %v", s.id, err)
				goto lost
			}
			if m.GetShutdown() {
				reason = "released"
				goto lost
			}
		case err := <-recvErr:
			reason = fmt.Sprintf("connection closed: %v", err)
			goto lost
		case <-s.done:
			reason = "replaced by a new session"
			goto lost
		case <-stream.Context().Done():
			reason = "connection closed"
			goto lost
		}
	}
lost:
	e.mu.Lock()
	if e.executors[s.id] == s {
		delete(e.executors, s.id)
	}
	e.mu.Unlock()
	e.emit(Event{ExecutorID: s.id, Lost: true, Reason: reason})
	return nil
}

// Launch sends a task to an executor.
func (e *Endpoint) Launch(executorID string, t *pb.LaunchTask) error {
	e.mu.Lock()
	s, ok := e.executors[executorID]
	e.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownExecutor, executorID)
	}
	select {
	case s.send <- &pb.DriverMessage{Message: &pb.DriverMessage_Launch{Launch: t}}:
		return nil
	case <-s.done:
		return fmt.Errorf("%w: %s", ErrUnknownExecutor, executorID)
	case <-time.After(10 * time.Second):
		return fmt.Errorf("driver: executor %s is not taking tasks", executorID)
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

// DriverStatus reports whether the driver has finished.
func (e *Endpoint) DriverStatus(ctx context.Context, _ *pb.DriverStatusRequest) (*pb.DriverStatusResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return &pb.DriverStatusResponse{Finished: e.finished, Succeeded: e.succeeded, Diagnostics: e.diag}, nil
}

// Registered reports whether executor id has registered.
func (e *Endpoint) Registered(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.seen[id]
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
		select {
		case s.send <- &pb.DriverMessage{Message: &pb.DriverMessage_Shutdown{Shutdown: true}}:
		default:
		}
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
		select {
		case s.send <- &pb.DriverMessage{Message: &pb.DriverMessage_Shutdown{Shutdown: true}}:
		default:
		}
	}
}
