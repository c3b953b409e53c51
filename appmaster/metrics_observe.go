package appmaster

import (
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/launch"
)

// allocationMark is what the AM tracked before it handled an Allocate
// response, so that what handling changed can be counted afterwards.
type allocationMark struct {
	executors  map[string]bool
	nextExecID int
}

// markAllocation records the executors tracked before handling a response.
func (am *AppMaster) markAllocation() allocationMark {
	m := allocationMark{executors: make(map[string]bool, len(am.executors)), nextExecID: am.nextExecID}
	for id := range am.executors {
		m.executors[id] = true
	}
	return m
}

// recordAllocation counts, after handle, what the response changed, with
// handle's own rules: a completed executor container is a failure unless it
// exited 0, was stopped by this AM (-105) or released by it (-100); an
// executor dropped without a completion was released for not registering
// in time or for going silent; a launch that did not leave a tracked
// executor failed.
func (am *AppMaster) recordAllocation(resp *pb.AllocateResponse, before allocationMark) {
	if am.metrics == nil {
		return
	}
	ev := containerEvents{allocated: int64(len(resp.GetAllocatedContainers())), running: len(am.executors)}
	completed := map[string]bool{}
	for _, st := range resp.GetCompletedContainerStatuses() {
		id := st.GetContainerId()
		completed[id] = true
		// Only executors handle got to (it stops at a fatal failure).
		if !before.executors[id] || am.executors[id] != nil {
			continue
		}
		exit := st.GetExitStatus()
		if _, mine := am.released[id]; (mine && exit == launch.ExitAborted) || exit == 0 || exit == launch.ExitKilledByAppMaster {
			continue
		}
		ev.failed++
		ev.executorFailures++
		if exit == launch.ExitKilledExceededPMem {
			ev.memoryKills++
		}
	}
	for id := range before.executors {
		if am.executors[id] == nil && !completed[id] {
			ev.executorFailures++ // released: did not register in time, or went silent
		}
	}
	launched := am.nextExecID - before.nextExecID
	started := 0
	for _, c := range resp.GetAllocatedContainers() {
		if am.executors[c.GetId()] != nil && !before.executors[c.GetId()] {
			started++
		}
	}
	ev.executorFailures += int64(launched - started)
	am.metrics.record(ev)
}

// OnBatchStart records that a batch's processing started; it is the
// streaming driver's StreamingOptions.OnBatchStart.
func (m *Metrics) OnBatchStart(batchTime time.Time) {
	if m == nil {
		return
	}
	m.stats.l.OnBatchStarted(batchTime)
	m.events.batchStarted(batchTime)
}

// OnExecutorEvent records an executor's registration, loss and task ends
// for the Streaming tab; it is StreamingOptions.OnEvent.
func (m *Metrics) OnExecutorEvent(ev driver.Event) {
	if m == nil {
		return
	}
	now := time.Now()
	switch {
	case ev.Added:
		m.stats.l.OnExecutorAdded(ev.ExecutorID, ev.Host, ev.Cores, now)
	case ev.Lost:
		m.stats.l.OnExecutorRemoved(ev.ExecutorID, ev.Reason, now)
	case ev.Status != nil:
		m.stats.l.OnTaskEnd(ev.ExecutorID, ev.Status.GetSucceeded())
	}
	m.events.executor(ev, now)
}
