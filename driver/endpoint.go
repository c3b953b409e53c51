package driver

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
)

// Event is something that happened to an executor.
type Event struct {
	// ExecutorID is the executor the event is about.
	ExecutorID string
	// Added: the executor registered, with Host and Cores. Running lists
	// the launches (TIDs) it holds. Replaced: it registered again while an
	// earlier session of it was open; that session is closed, the executor
	// is kept, and the launches sent to it that it no longer holds have
	// each been reported failed first.
	Added    bool
	Host     string
	Cores    int
	Running  []int64
	Replaced bool
	// Lost: the executor's session ended, for Reason. TimedOut: it sent
	// nothing for spark.network.timeout; the driver will not take it back.
	Lost     bool
	Reason   string
	TimedOut bool
	// Status is a task's end reported by the executor. LaunchLost: the
	// driver made it for a launch that the executor does not hold; the
	// task did not fail, its launch was lost.
	Status     *pb.TaskStatus
	LaunchLost bool
	// AddBlock is a block one of the executor's receivers stored;
	// Receiver a change in one of its receivers' life.
	AddBlock *pb.AddBlock
	Receiver *pb.ReceiverStatus
}

// ErrUnknownExecutor is returned when launching on an executor that is not connected.
var ErrUnknownExecutor = errors.New("driver: executor not connected")

// Endpoint serves the Task protocol where the driver lives. An executor id
// has one session at a time: a new registration replaces the open one.
type Endpoint struct {
	pb.UnimplementedTaskServer

	mu        sync.Mutex
	executors map[string]*session
	// launched holds, per executor, the launches sent to it whose end it
	// has not reported.
	launched  map[string]map[int64]*pb.LaunchTask
	seen      map[string]bool
	released  map[string]bool
	timedOut  map[string]bool
	timeout   time.Duration
	finished  bool
	succeeded bool
	diag      string
	onEvent   func(Event)
	// queue holds events in the order of the changes they report; one
	// goroutine at a time hands them to onEvent.
	queue    []Event
	emitting bool
}

// session is one connected executor.
type session struct {
	id, host string
	cores    int
	send     chan *pb.DriverMessage
	// done is closed when the session ends: replaced by a newer one, or
	// its executor lost.
	done      chan struct{}
	closeOnce sync.Once
	// lastSeen is when the executor last sent anything, in Unix ns.
	lastSeen atomic.Int64
}

func (s *session) touch() { s.lastSeen.Store(time.Now().UnixNano()) }

func (s *session) end() { s.closeOnce.Do(func() { close(s.done) }) }

func (s *session) silentFor() time.Duration { return time.Since(time.Unix(0, s.lastSeen.Load())) }

// NewEndpoint returns an endpoint with no executors that declares an
// executor lost after DefaultNetworkTimeout of silence.
func NewEndpoint() *Endpoint {
	return &Endpoint{executors: map[string]*session{}, launched: map[string]map[int64]*pb.LaunchTask{},
		seen: map[string]bool{}, released: map[string]bool{}, timedOut: map[string]bool{}, timeout: DefaultNetworkTimeout}
}

// SetNetworkTimeout sets spark.network.timeout: an executor that sends
// nothing for d (no heartbeat, no status) is lost.
func (e *Endpoint) SetNetworkTimeout(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if d > 0 {
		e.timeout = d
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
	s.touch()
	e.mu.Lock()
	e.seen[s.id] = true
	if e.finished || e.released[s.id] {
		e.mu.Unlock()
		stream.Send(&pb.DriverMessage{Message: &pb.DriverMessage_Shutdown{Shutdown: true}})
		return nil
	}
	old := e.executors[s.id]
	if old != nil {
		old.end()
	}
	e.executors[s.id] = s
	e.reconcileLocked(s.id, reg.GetRunningTids())
	e.enqueueLocked(Event{ExecutorID: s.id, Added: true, Host: s.host, Cores: s.cores, Running: reg.GetRunningTids(), Replaced: old != nil})
	e.mu.Unlock()
	e.deliver()

	if reason := e.serve(stream, s); reason != "" {
		e.sessionEnded(s, reason, false)
	}
	return nil
}

// serve runs an acknowledged session until it ends and says why; "" when
// it ended otherwise (a newer session replaced it, or its executor went
// silent and was reported lost).
func (e *Endpoint) serve(stream pb.Task_ConnectServer, s *session) string {
	// An empty message acknowledges the registration.
	if err := stream.Send(&pb.DriverMessage{}); err != nil {
		return fmt.Sprintf("acknowledge registration of executor %s: %v", s.id, err)
	}
	recvErr := make(chan error, 1)
	go e.receive(stream, s, recvErr)
	stopWatching := make(chan struct{})
	defer close(stopWatching)
	go e.watchSilence(s, stopWatching)
	for {
		select {
		case m := <-s.send:
			select {
			case <-s.done:
				return "" // nothing more goes out on a session that ended
			default:
			}
			if err := stream.Send(m); err != nil {
				return fmt.Sprintf("send to executor %s: %v", s.id, err)
			}
			if m.GetShutdown() {
				return "released"
			}
		case err := <-recvErr:
			return fmt.Sprintf("connection closed: %v", err)
		case <-s.done:
			return ""
		case <-stream.Context().Done():
			return "connection closed"
		}
	}
}

// watchSilence declares s's executor lost once it has sent nothing for
// the network timeout. It does so on its own, so that a send blocked on a
// connection that no longer carries anything cannot hold the loss up.
func (e *Endpoint) watchSilence(s *session, stop <-chan struct{}) {
	for {
		timeout := e.networkTimeout()
		check := time.NewTimer(min(max(timeout/10, 10*time.Millisecond), time.Second))
		select {
		case <-stop:
			check.Stop()
			return
		case <-check.C:
		}
		if d := s.silentFor(); d > timeout {
			e.sessionEnded(s, fmt.Sprintf("no heartbeat for %v (%s = %v)", d.Round(time.Millisecond), conf.KeyNetworkTimeout, timeout), true)
			return
		}
	}
}

// receive reads the executor's messages until the stream ends.
func (e *Endpoint) receive(stream pb.Task_ConnectServer, s *session, recvErr chan<- error) {
	for {
		m, err := stream.Recv()
		if err != nil {
			recvErr <- err
			return
		}
		s.touch()
		switch {
		case m.GetStatus() != nil:
			e.mu.Lock()
			delete(e.launched[s.id], m.GetStatus().GetTid())
			e.enqueueLocked(Event{ExecutorID: s.id, Status: m.GetStatus()})
			e.mu.Unlock()
			e.deliver()
		case m.GetAddBlock() != nil || m.GetReceiver() != nil:
			e.mu.Lock()
			e.enqueueLocked(Event{ExecutorID: s.id, AddBlock: m.GetAddBlock(), Receiver: m.GetReceiver()})
			e.mu.Unlock()
			e.deliver()
		case m.GetHeartbeat() != nil:
			// Best effort: while launches fill the queue, they tell the
			// executor that the driver is there.
			select {
			case s.send <- &pb.DriverMessage{Message: &pb.DriverMessage_Heartbeat{Heartbeat: &pb.ExecutorHeartbeatResponse{}}}:
			default:
			}
		}
	}
}

// sessionEnded reports s's executor lost, unless a newer session has
// replaced s or its loss was reported already. An executor silent past
// the timeout is not taken back.
func (e *Endpoint) sessionEnded(s *session, reason string, timedOut bool) {
	s.end()
	e.mu.Lock()
	if e.executors[s.id] != s {
		e.mu.Unlock()
		return
	}
	delete(e.executors, s.id)
	delete(e.launched, s.id)
	if timedOut {
		e.released[s.id], e.timedOut[s.id] = true, true
	}
	e.enqueueLocked(Event{ExecutorID: s.id, Lost: true, Reason: reason, TimedOut: timedOut})
	e.mu.Unlock()
	e.deliver()
}

// reconcileLocked reports failed every launch sent to executor id that its
// registration does not list as held: it was lost with an earlier session
// and will never report its end.
func (e *Endpoint) reconcileLocked(id string, running []int64) {
	held := make(map[int64]bool, len(running))
	for _, tid := range running {
		held[tid] = true
	}
	sent := e.launched[id]
	tids := make([]int64, 0, len(sent))
	for tid := range sent {
		if !held[tid] {
			tids = append(tids, tid)
		}
	}
	sort.Slice(tids, func(i, j int) bool { return tids[i] < tids[j] })
	for _, tid := range tids {
		l := sent[tid]
		delete(sent, tid)
		e.enqueueLocked(Event{ExecutorID: id, LaunchLost: true, Status: &pb.TaskStatus{TaskId: l.GetTaskId(), Attempt: l.GetAttempt(), Tid: tid,
			Error: fmt.Sprintf("executor %s registered again without this task: its launch was lost with the executor's earlier session", id)}})
	}
}

func (e *Endpoint) networkTimeout() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.timeout
}
