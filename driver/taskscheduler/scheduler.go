package taskscheduler

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Locality levels, as Spark's TaskLocality.
const (
	ProcessLocal = iota // on the executor that last ran the partition
	NodeLocal           // on that executor's host
	Any
)

// ErrTaskSetFailed wraps the error of a task that failed spark.task.maxFailures times.
var ErrTaskSetFailed = errors.New("taskscheduler: task set failed")

// Config configures a Scheduler.
type Config struct {
	// LocalityWait is spark.locality.wait: how long a task set waits at each
	// locality level for a preferred executor before the next level.
	LocalityWait time.Duration
	// MaxFailures is spark.task.maxFailures: failed attempts per task
	// before the task set fails.
	MaxFailures int
	// TaskTimeout is spindle.task.timeout: a task whose only running
	// attempt has run this long is launched again on another executor, and
	// the first attempt to succeed wins; 0 never does.
	TaskTimeout time.Duration
	// Now is the clock; nil = time.Now.
	Now func() time.Time
}

// DefaultConfig returns Spark's defaults: 3 s locality wait, 4 attempts;
// no task timeout.
func DefaultConfig() Config { return Config{LocalityWait: 3 * time.Second, MaxFailures: 4} }

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.LocalityWait < 0 {
		return fmt.Errorf("taskscheduler: spark.locality.wait = %v must not be negative", c.LocalityWait)
	}
	if c.MaxFailures < 1 {
		return fmt.Errorf("taskscheduler: spark.task.maxFailures = %d must be at least 1", c.MaxFailures)
	}
	if c.TaskTimeout < 0 {
		return fmt.Errorf("taskscheduler: spindle.task.timeout = %v must not be negative", c.TaskTimeout)
	}
	return nil
}

// Task is one unit of a task set: a partition range of a batch.
type Task struct {
	// ID is unique within the task set, e.g. "clicks-3".
	ID string
	// Partition keys locality: the executor that last ran this partition
	// is preferred.
	Partition string
	// Executor, when set, is the only executor the task may run on while
	// that executor lives: the one whose memory holds its input.
	Executor string
}

// Assignment launches a task attempt on an executor.
type Assignment struct {
	TaskID     string
	ExecutorID string
	Attempt    int
	// TID names this launch for the scheduler's lifetime (Spark's TID).
	TID      int64
	Locality int
	// Overran, when set, is the attempt that ran past TaskTimeout and
	// that this one runs beside.
	Overran *Overran
}

// Overran describes an attempt that ran past the task timeout.
type Overran struct {
	ExecutorID string
	Attempt    int
	// For is how long it had run.
	For time.Duration
}

type executorState struct {
	id, host string
	cores    int
	// running holds the TIDs that occupy a core here, including attempts
	// of earlier task sets whose end has not been reported yet.
	running map[int64]bool
}

// attempt is one launch of a task.
type attempt struct {
	tid      int64
	number   int
	executor string
	started  time.Time
	// overran is set once a further attempt was launched beside it.
	overran bool
}

type taskState struct {
	Task
	running  []*attempt
	launched int
	failures int
	failedOn map[string]bool
	done     bool
}

// Scheduler assigns the tasks of one task set at a time to executors.
type Scheduler struct {
	cfg Config
	now func() time.Time

	mu        sync.Mutex
	executors map[string]*executorState
	// lastExecutor remembers, across task sets, where each partition ran.
	lastExecutor map[string]string
	tasks        map[string]*taskState
	// byTID finds the task of each running attempt of the current set.
	byTID      map[int64]*taskState
	order      []string
	level      int
	lastLaunch time.Time
	err        error
	remaining  int
	nextTID    int64
}

// New returns a Scheduler with no executors and no tasks.
func New(cfg Config) (*Scheduler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Scheduler{cfg: cfg, now: now, executors: map[string]*executorState{}, lastExecutor: map[string]string{},
		tasks: map[string]*taskState{}, byTID: map[int64]*taskState{}}, nil
}

// AddExecutor makes an executor available with cores task slots. running
// are the launches (TIDs) the executor reports holding: they occupy cores
// until their end is reported. For an executor already known (a new
// session of it), host and cores are updated and running is added to what
// it already holds.
func (s *Scheduler) AddExecutor(id, host string, cores int, running ...int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.executors[id]
	if !ok {
		e = &executorState{id: id, running: map[int64]bool{}}
		s.executors[id] = e
	}
	e.host, e.cores = host, cores
	for _, tid := range running {
		e.running[tid] = true
	}
}

// RemoveExecutor forgets a lost executor; its running attempts fail with
// reason and their tasks are run again elsewhere (or fail the set past
// MaxFailures).
func (s *Scheduler) RemoveExecutor(id, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.executors, id)
	for _, tid := range sortedTIDs(s.byTID) {
		t := s.byTID[tid]
		if a := t.attempt(tid); a != nil && a.executor == id {
			s.endAttemptLocked(t, a)
			if !t.done {
				s.failLocked(t, id, fmt.Sprintf("executor %s lost: %s", id, reason))
			}
		}
	}
}

// Submit starts a task set, replacing a finished one. Attempts of the
// finished set that still run keep their cores until their end is
// reported.
func (s *Scheduler) Submit(tasks []Task) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.remaining > 0 && s.err == nil {
		return errors.New("taskscheduler: a task set is still running")
	}
	s.tasks = make(map[string]*taskState, len(tasks))
	s.byTID = map[int64]*taskState{}
	s.order = s.order[:0]
	for _, t := range tasks {
		if _, dup := s.tasks[t.ID]; dup {
			return fmt.Errorf("taskscheduler: task %s appears twice", t.ID)
		}
		s.tasks[t.ID] = &taskState{Task: t, failedOn: map[string]bool{}}
		s.order = append(s.order, t.ID)
	}
	s.remaining, s.err, s.level, s.lastLaunch = len(tasks), nil, ProcessLocal, s.now()
	return nil
}

// State reports whether the task set is done and its error, if it failed.
func (s *Scheduler) State() (done bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remaining == 0 || s.err != nil, s.err
}

// FreeCores is the number of idle task slots.
func (s *Scheduler) FreeCores() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.executors {
		n += max(0, e.cores-len(e.running))
	}
	return n
}

// attempt returns t's running attempt tid, or nil.
func (t *taskState) attempt(tid int64) *attempt {
	for _, a := range t.running {
		if a.tid == tid {
			return a
		}
	}
	return nil
}

func (s *Scheduler) executorIDs() []string {
	ids := make([]string, 0, len(s.executors))
	for id := range s.executors {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func sortedTIDs[V any](m map[int64]V) []int64 {
	tids := make([]int64, 0, len(m))
	for tid := range m {
		tids = append(tids, tid)
	}
	sort.Slice(tids, func(i, j int) bool { return tids[i] < tids[j] })
	return tids
}
