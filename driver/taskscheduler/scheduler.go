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
	// MaxFailures is spark.task.maxFailures: attempts per task.
	MaxFailures int
	// Now is the clock; nil = time.Now.
	Now func() time.Time
}

// DefaultConfig returns Spark's defaults: 3 s locality wait, 4 attempts.
func DefaultConfig() Config { return Config{LocalityWait: 3 * time.Second, MaxFailures: 4} }

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.LocalityWait < 0 {
		return fmt.Errorf("taskscheduler: spark.locality.wait = %v must not be negative", c.LocalityWait)
	}
	if c.MaxFailures < 1 {
		return fmt.Errorf("taskscheduler: spark.task.maxFailures = %d must be at least 1", c.MaxFailures)
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
}

// Assignment launches a task attempt on an executor.
type Assignment struct {
	TaskID     string
	ExecutorID string
	Attempt    int
	Locality   int
}

type executorState struct {
	id, host string
	cores    int
	running  int
}

type taskState struct {
	Task
	running  string // executor running it, "" if pending
	attempts int
	failedOn map[string]bool
	done     bool
	lastErr  string
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
	order        []string
	level        int
	lastLaunch   time.Time
	err          error
	remaining    int
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
	return &Scheduler{cfg: cfg, now: now, executors: map[string]*executorState{}, lastExecutor: map[string]string{}, tasks: map[string]*taskState{}}, nil
}

// AddExecutor makes an executor available with cores task slots.
func (s *Scheduler) AddExecutor(id, host string, cores int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.executors[id]; ok {
		e.host, e.cores = host, cores
		return
	}
	s.executors[id] = &executorState{id: id, host: host, cores: cores}
}

// RemoveExecutor forgets a lost executor; its running tasks fail with
// reason and are retried elsewhere (or fail the set past MaxFailures).
func (s *Scheduler) RemoveExecutor(id, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.executors, id)
	for _, t := range s.tasks {
		if t.running == id {
			s.failLocked(t, id, fmt.Sprintf("executor %s lost: %s", id, reason))
		}
	}
}

// Submit starts a task set, replacing a finished one.
func (s *Scheduler) Submit(tasks []Task) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.remaining > 0 && s.err == nil {
		return errors.New("taskscheduler: a task set is still running")
	}
	s.tasks = make(map[string]*taskState, len(tasks))
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

// Schedule assigns pending tasks to free cores, as Spark's resourceOffers
// with delay scheduling, and returns the launches to make.
func (s *Scheduler) Schedule() []Assignment {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil || s.remaining == 0 {
		return nil
	}
	now := s.now()
	var out []Assignment
	for _, eid := range s.executorIDs() {
		e := s.executors[eid]
		for e.running < e.cores {
			// Move to a wider level once the current one has waited long
			// enough without launching anything. As Spark's
			// getAllowedLocalityLevel, this is asked at every offer, so
			// that with a wait of 0 a launch at a narrow level does not
			// hold the next offer to that level.
			for s.level < Any && now.Sub(s.lastLaunch) >= s.cfg.LocalityWait {
				s.level++
				s.lastLaunch = s.lastLaunch.Add(s.cfg.LocalityWait)
			}
			t, lvl := s.pickLocked(e)
			if t == nil {
				break
			}
			// A launch with a preference resets the wait at its level, as
			// Spark's currentLocalityIndex; tasks without one do not.
			if s.hasPreferredAlive(t) && lvl <= s.level {
				s.level, s.lastLaunch = lvl, now
			}
			t.running = e.id
			t.attempts++
			e.running++
			s.lastExecutor[t.Partition] = e.id
			out = append(out, Assignment{TaskID: t.ID, ExecutorID: e.id, Attempt: t.attempts, Locality: lvl})
		}
	}
	return out
}

// pickLocked chooses the best pending task for e at the allowed level.
func (s *Scheduler) pickLocked(e *executorState) (*taskState, int) {
	var best *taskState
	bestLvl := Any + 1
	for _, id := range s.order {
		t := s.tasks[id]
		if t.done || t.running != "" {
			continue
		}
		// A retry avoids executors it failed on while others exist.
		if t.failedOn[e.id] && len(t.failedOn) < len(s.executors) {
			continue
		}
		lvl := s.localityLocked(t, e)
		if lvl > s.level && s.hasPreferredAlive(t) {
			continue
		}
		if lvl < bestLvl {
			best, bestLvl = t, lvl
			if lvl == ProcessLocal {
				break
			}
		}
	}
	if best == nil {
		return nil, 0
	}
	return best, bestLvl
}

// localityLocked is t's locality on e.
func (s *Scheduler) localityLocked(t *taskState, e *executorState) int {
	prev, ok := s.lastExecutor[t.Partition]
	switch {
	case !ok:
		return Any
	case prev == e.id:
		return ProcessLocal
	}
	if p, ok := s.executors[prev]; ok && p.host == e.host {
		return NodeLocal
	}
	return Any
}

// hasPreferredAlive reports whether t's preferred executor still exists:
// a task whose executor is gone has no locality to wait for.
func (s *Scheduler) hasPreferredAlive(t *taskState) bool {
	prev, ok := s.lastExecutor[t.Partition]
	if !ok {
		return false
	}
	_, alive := s.executors[prev]
	return alive
}

// TaskFinished records the end of a task's attempt on executor.
func (s *Scheduler) TaskFinished(taskID, executorID string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[taskID]
	if !ok || t.done || t.running != executorID {
		return
	}
	if e, ok := s.executors[executorID]; ok {
		e.running--
	}
	if err == nil {
		t.running, t.done = "", true
		s.remaining--
		return
	}
	s.failLocked(t, executorID, err.Error())
}

// failLocked records a failed attempt and fails the set past MaxFailures.
func (s *Scheduler) failLocked(t *taskState, executorID, msg string) {
	t.running = ""
	t.failedOn[executorID] = true
	t.lastErr = msg
	if t.attempts >= s.cfg.MaxFailures && s.err == nil {
		s.err = fmt.Errorf("%w: task %s failed %d times (spark.task.maxFailures = %d); most recent failure: %s",
			ErrTaskSetFailed, t.ID, t.attempts, s.cfg.MaxFailures, msg)
	}
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
		n += e.cores - e.running
	}
	return n
}

func (s *Scheduler) executorIDs() []string {
	ids := make([]string, 0, len(s.executors))
	for id := range s.executors {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
