package executor

import (
	"context"
	"sort"
	"sync"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// tasks are the launches an executor holds — waiting for a core, running,
// or finished with a status not sent yet — across its sessions with the
// driver. A registration lists them, so that the driver keeps them.
type tasks struct {
	ctx    context.Context
	runner Runner
	slots  chan struct{}

	mu     sync.Mutex
	byTID  map[int64]*heldTask
	outbox []int64 // finished, in the order they finished
	// notify is closed, and replaced, when a status joins the outbox.
	notify chan struct{}
}

type heldTask struct {
	cancel context.CancelFunc
	status *pb.TaskStatus
}

// newTasks runs launches with runner, cores at a time, until ctx ends.
func newTasks(ctx context.Context, runner Runner, cores int) *tasks {
	return &tasks{ctx: ctx, runner: runner, slots: make(chan struct{}, cores), byTID: map[int64]*heldTask{}, notify: make(chan struct{})}
}

// launch starts l once a core is free; a launch already held is ignored.
func (x *tasks) launch(l *pb.LaunchTask) {
	x.mu.Lock()
	if _, dup := x.byTID[l.GetTid()]; dup {
		x.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(x.ctx)
	h := &heldTask{cancel: cancel}
	x.byTID[l.GetTid()] = h
	x.mu.Unlock()
	go func() {
		defer cancel()
		var st *pb.TaskStatus
		select {
		case x.slots <- struct{}{}:
			// A kill may have come while it waited.
			if ctx.Err() == nil {
				st = runTask(ctx, x.runner, l)
			}
			<-x.slots
		case <-ctx.Done():
		}
		if st == nil {
			st = &pb.TaskStatus{Error: "stopped before it started: " + context.Cause(ctx).Error()}
		}
		st.TaskId, st.Attempt, st.Tid = l.GetTaskId(), l.GetAttempt(), l.GetTid()
		x.mu.Lock()
		h.status = st
		x.outbox = append(x.outbox, l.GetTid())
		close(x.notify)
		x.notify = make(chan struct{})
		x.mu.Unlock()
	}()
}

// kill stops launch tid if it has not finished, and reports whether it did.
func (x *tasks) kill(tid int64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	h := x.byTID[tid]
	if h == nil || h.status != nil {
		return false
	}
	h.cancel()
	return true
}

// held lists the launches held, by TID.
func (x *tasks) held() []int64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	tids := make([]int64, 0, len(x.byTID))
	for tid := range x.byTID {
		tids = append(tids, tid)
	}
	sort.Slice(tids, func(i, j int) bool { return tids[i] < tids[j] })
	return tids
}

// changed returns a channel closed when the next status is ready.
func (x *tasks) changed() <-chan struct{} {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.notify
}

// nextStatus returns the oldest status not sent yet, or nil.
func (x *tasks) nextStatus() *pb.TaskStatus {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.outbox) == 0 {
		return nil
	}
	return x.byTID[x.outbox[0]].status
}

// sent lets go of launch tid, whose status the driver has been sent.
func (x *tasks) sent(tid int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i, t := range x.outbox {
		if t == tid {
			x.outbox = append(x.outbox[:i], x.outbox[i+1:]...)
			delete(x.byTID, tid)
			return
		}
	}
}

// runTask runs t, or fails it when the executor has no job to run.
func runTask(ctx context.Context, r Runner, t *pb.LaunchTask) *pb.TaskStatus {
	if r == nil {
		return &pb.TaskStatus{Error: "executor has no job loaded"}
	}
	if st := r.RunTask(ctx, t); st != nil {
		return st
	}
	return &pb.TaskStatus{Error: "the task runner returned no status"}
}
