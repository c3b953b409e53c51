package streamingui

import (
	"slices"
	"sync"
	"time"

	"github.com/spindlehq/spindle/driver"
)

// DefaultRetainedBatches is spark.streaming.ui.retainedBatches' default.
const DefaultRetainedBatches = 1000

// Executor states, as Spark's executors page names them.
const (
	ExecutorActive = "Active"
	ExecutorDead   = "Dead"
)

// Executor is one executor as the Streaming tab shows it.
type Executor struct {
	ID    string `json:"id"`
	Host  string `json:"host"`
	Cores int    `json:"cores"`
	// State is ExecutorActive or ExecutorDead.
	State string    `json:"state"`
	Added time.Time `json:"added"`
	// Removed and Reason are set once the executor's session ended.
	Removed time.Time `json:"removed,omitzero"`
	Reason  string    `json:"reason,omitempty"`
	// Tasks ended on the executor: succeeded and failed.
	TasksSucceeded int64 `json:"tasksSucceeded"`
	TasksFailed    int64 `json:"tasksFailed"`
}

// AppInfo names the application the pages are about.
type AppInfo struct {
	AppID         string        `json:"appId"`
	Attempt       int64         `json:"attempt"`
	Name          string        `json:"name"`
	Started       time.Time     `json:"started"`
	BatchDuration time.Duration `json:"batchDuration"`
	// Ended is set once the application ended (history).
	Ended time.Time `json:"ended,omitzero"`
}

// Listener keeps what the Streaming tab shows: the last retained completed
// batches, the batch being processed, totals since the start, and the
// executors. It is safe for concurrent use.
type Listener struct {
	mu    sync.Mutex
	app   AppInfo
	limit int
	// retained is a ring of the last limit batches; next is where the
	// next one goes once it is full.
	retained []driver.BatchInfo
	next     int
	// recv is the driver's receivers, while it runs.
	recv receiverSource
	// active is the batch being processed, zero when none.
	active    time.Time
	completed int64
	records   int64
	executors map[string]*Executor
	order     []string
}

// NewListener returns a listener that keeps limit batches (0 means
// DefaultRetainedBatches).
func NewListener(app AppInfo, limit int) *Listener {
	if limit <= 0 {
		limit = DefaultRetainedBatches
	}
	return &Listener{app: app, limit: limit, executors: map[string]*Executor{}}
}

// SetApp replaces what the listener knows of the application.
func (l *Listener) SetApp(app AppInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.app = app
}

// App returns what the listener knows of the application.
func (l *Listener) App() AppInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.app
}

// Limit is how many batches the listener keeps.
func (l *Listener) Limit() int { return l.limit }

// OnBatchStarted records that the batch of batchTime is being processed.
func (l *Listener) OnBatchStarted(batchTime time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.active = batchTime
}

// OnBatchCompleted records a completed batch, dropping the oldest
// retained one past the limit.
func (l *Listener) OnBatchCompleted(b driver.BatchInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.completed++
	l.records += b.Records
	if l.active.Equal(b.Time) {
		l.active = time.Time{}
	}
	if len(l.retained) < l.limit {
		l.retained = append(l.retained, b)
		return
	}
	l.retained[l.next] = b
	l.next = (l.next + 1) % len(l.retained)
}

// HasRun reports whether the listener retains this very run of a batch:
// same batch time, end and replay mark.
func (l *Listener) HasRun(b driver.BatchInfo) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.retained {
		if r.Time.Equal(b.Time) && r.Finished.Equal(b.Finished) && r.Replayed == b.Replayed {
			return true
		}
	}
	return false
}

// OnExecutorAdded records an executor that registered.
func (l *Listener) OnExecutorAdded(id, host string, cores int, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.executors[id]
	if !ok {
		e = &Executor{ID: id}
		l.executors[id] = e
		l.order = append(l.order, id)
	}
	e.Host, e.Cores, e.State, e.Added, e.Removed, e.Reason = host, cores, ExecutorActive, at, time.Time{}, ""
}

// OnExecutorRemoved records the end of an executor's session.
func (l *Listener) OnExecutorRemoved(id, reason string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.executors[id]; ok {
		e.State, e.Removed, e.Reason = ExecutorDead, at, reason
	}
}

// OnTaskEnd counts a task's end on an executor.
func (l *Listener) OnTaskEnd(executorID string, succeeded bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.executors[executorID]
	if !ok {
		return
	}
	if succeeded {
		e.TasksSucceeded++
	} else {
		e.TasksFailed++
	}
}

// Totals returns the batches completed and records read since the start.
func (l *Listener) Totals() (completed, records int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.completed, l.records
}

// Batches returns the retained batches, newest (highest batch time) first;
// of two runs of one batch (a replay), the later run first. The entries
// are never changed once added, so the copy may share their slices.
func (l *Listener) Batches() []driver.BatchInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.batchesLocked()
}

func (l *Listener) batchesLocked() []driver.BatchInfo {
	n := len(l.retained)
	out := make([]driver.BatchInfo, 0, n)
	// The ring's newest entry is just before next once it is full.
	for i := range n {
		out = append(out, l.retained[(l.next+n-1-i)%n])
	}
	slices.SortStableFunc(out, func(a, b driver.BatchInfo) int { return b.Time.Compare(a.Time) })
	return out
}

// Batch returns the retained batch with the batch time id (ms since the
// epoch), its latest run.
func (l *Listener) Batch(id int64) (driver.BatchInfo, bool) {
	for _, b := range l.Batches() {
		if b.Time.UnixMilli() == id {
			return b, true
		}
	}
	return driver.BatchInfo{}, false
}

// Snapshot is everything the pages show, read at one moment.
type Snapshot struct {
	App AppInfo
	// Batches are the retained completed batches, newest first.
	Batches []driver.BatchInfo
	// Active is the batch being processed; zero when none.
	Active        time.Time
	Completed     int64
	Records       int64
	Executors     []Executor
	RetainedLimit int
	SnapshotTaken time.Time
}

// Snapshot reads everything at once.
func (l *Listener) Snapshot() Snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Snapshot{
		App: l.app, Batches: l.batchesLocked(), Active: l.active, Completed: l.completed, Records: l.records,
		RetainedLimit: l.limit, SnapshotTaken: time.Now(),
	}
	for _, id := range l.order {
		s.Executors = append(s.Executors, *l.executors[id])
	}
	return s
}

// Restore replaces everything the listener holds with s (an event log's
// compacted state). Batches beyond the limit are dropped, oldest first.
func (l *Listener) Restore(s Snapshot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.app, l.active, l.completed, l.records = s.App, s.Active, s.Completed, s.Records
	l.retained, l.next = nil, 0
	for i := min(len(s.Batches), l.limit) - 1; i >= 0; i-- {
		l.retained = append(l.retained, s.Batches[i])
	}
	l.executors, l.order = map[string]*Executor{}, nil
	for _, e := range s.Executors {
		e := e
		l.executors[e.ID] = &e
		l.order = append(l.order, e.ID)
	}
}
