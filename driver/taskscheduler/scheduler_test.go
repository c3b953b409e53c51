package taskscheduler

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newScheduler(t *testing.T, wait time.Duration, maxFailures int) (*Scheduler, *clock) {
	t.Helper()
	c := &clock{t: time.Unix(1000, 0)}
	s, err := New(Config{LocalityWait: wait, MaxFailures: maxFailures, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func tasks(n int) []Task {
	out := make([]Task, n)
	for i := range out {
		out[i] = Task{ID: fmt.Sprintf("p%d", i), Partition: fmt.Sprintf("p%d", i)}
	}
	return out
}

func finishAll(s *Scheduler, as []Assignment) {
	for _, a := range as {
		s.TaskFinished(a.TID, a.ExecutorID, nil)
	}
}

// runBatch runs one task set to completion, launching and finishing in
// rounds, and returns where each task ran.
func runBatch(t *testing.T, s *Scheduler, c *clock, n int, step time.Duration) map[string]string {
	t.Helper()
	if err := s.Submit(tasks(n)); err != nil {
		t.Fatal(err)
	}
	ran := map[string]string{}
	for i := 0; i < 1000; i++ {
		as := s.Schedule()
		for _, a := range as {
			ran[a.TaskID] = a.ExecutorID
		}
		finishAll(s, as)
		if done, err := s.State(); done {
			if err != nil {
				t.Fatal(err)
			}
			return ran
		}
		c.advance(step)
	}
	t.Fatal("task set did not finish")
	return nil
}

// TestDelaySchedulingPilesUpOrSpreads: tasks take 100 ms and the driver
// offers every 10 ms. With a 3 s wait, tasks whose partitions last ran on
// executor A all wait for A while B idles; with 10 ms they spread to B.
func TestDelaySchedulingPilesUpOrSpreads(t *testing.T) {
	for _, tc := range []struct {
		name    string
		wait    time.Duration
		wantOnB bool
	}{
		{"3s wait piles up", 3 * time.Second, false},
		{"10ms wait spreads", 10 * time.Millisecond, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := newScheduler(t, tc.wait, 4)
			// First batch: only A exists, so every partition last ran on A.
			s.AddExecutor("A", "h1", 1)
			runBatch(t, s, c, 4, 100*time.Millisecond)
			s.AddExecutor("B", "h2", 1)
			ran := runTimed(t, s, c, 4, 100*time.Millisecond, 10*time.Millisecond)
			onB := 0
			for _, e := range ran {
				if e == "B" {
					onB++
				}
			}
			if tc.wantOnB && onB == 0 {
				t.Fatalf("with %v wait no task moved to the idle executor: %v", tc.wait, ran)
			}
			if !tc.wantOnB && onB != 0 {
				t.Fatalf("with %v wait %d tasks left their preferred executor: %v", tc.wait, onB, ran)
			}
		})
	}
}

// runTimed runs a task set whose tasks each take dur, offering every tick.
func runTimed(t *testing.T, s *Scheduler, c *clock, n int, dur, tick time.Duration) map[string]string {
	t.Helper()
	if err := s.Submit(tasks(n)); err != nil {
		t.Fatal(err)
	}
	ran := map[string]string{}
	ends := map[Assignment]time.Time{}
	for i := 0; i < 10000; i++ {
		for a, end := range ends {
			if !c.now().Before(end) {
				s.TaskFinished(a.TID, a.ExecutorID, nil)
				delete(ends, a)
			}
		}
		for _, a := range s.Schedule() {
			ran[a.TaskID] = a.ExecutorID
			ends[a] = c.now().Add(dur)
		}
		if done, err := s.State(); done {
			if err != nil {
				t.Fatal(err)
			}
			return ran
		}
		c.advance(tick)
	}
	t.Fatal("task set did not finish")
	return nil
}

// TestLocalityWaitPerLevel: a task whose preferred executor is busy waits
// one locality wait at PROCESS_LOCAL and one at NODE_LOCAL before ANY.
func TestLocalityWaitPerLevel(t *testing.T) {
	s, c := newScheduler(t, 3*time.Second, 4)
	s.AddExecutor("A", "h1", 1)
	runBatch(t, s, c, 2, 0)
	s.AddExecutor("B", "h2", 1)
	if err := s.Submit(tasks(2)); err != nil {
		t.Fatal(err)
	}
	first := s.Schedule() // one task on A, the other waits for A
	if len(first) != 1 || first[0].ExecutorID != "A" {
		t.Fatalf("first round %v, want one task on A", first)
	}
	for _, step := range []time.Duration{2 * time.Second, 1500 * time.Millisecond, 2 * time.Second} {
		c.advance(step)
		if as := s.Schedule(); len(as) != 0 {
			t.Fatalf("at +%v: %v, want nothing before two waits have passed", step, as)
		}
	}
	c.advance(time.Second) // 6.5 s: past PROCESS_LOCAL and NODE_LOCAL
	as := s.Schedule()
	if len(as) != 1 || as[0].ExecutorID != "B" || as[0].Locality != Any {
		t.Fatalf("after both waits: %v, want the task on B at ANY", as)
	}
}

func TestNodeLocalBeforeAny(t *testing.T) {
	s, c := newScheduler(t, time.Second, 4)
	s.AddExecutor("A", "h1", 1)
	runBatch(t, s, c, 1, 0)
	s.RemoveExecutor("A", "gone")
	s.AddExecutor("B", "h1", 1)
	s.AddExecutor("C", "h2", 1)
	if err := s.Submit(tasks(1)); err != nil {
		t.Fatal(err)
	}
	// A is gone: no preference left to wait for, the task runs at once.
	if as := s.Schedule(); len(as) != 1 {
		t.Fatalf("task with a lost preferred executor waited: %v", as)
	}
}

func TestRetriesOnAnotherExecutorThenFails(t *testing.T) {
	s, _ := newScheduler(t, 0, 4)
	s.AddExecutor("A", "h1", 1)
	s.AddExecutor("B", "h2", 1)
	if err := s.Submit([]Task{{ID: "t", Partition: "p"}}); err != nil {
		t.Fatal(err)
	}
	var used []string
	for i := 0; i < 4; i++ {
		as := s.Schedule()
		if len(as) != 1 {
			t.Fatalf("attempt %d: %v", i+1, as)
		}
		used = append(used, as[0].ExecutorID)
		if as[0].Attempt != i+1 {
			t.Fatalf("attempt number %d, want %d", as[0].Attempt, i+1)
		}
		s.TaskFinished(as[0].TID, as[0].ExecutorID, fmt.Errorf("panic in Parse: bad record %d", i))
	}
	if used[0] == used[1] {
		t.Fatalf("retry ran on the executor that failed: %v", used)
	}
	done, err := s.State()
	if !done || !errors.Is(err, ErrTaskSetFailed) || !strings.Contains(err.Error(), "panic in Parse: bad record 3") || !strings.Contains(err.Error(), "spark.task.maxFailures = 4") {
		t.Fatalf("after 4 failures: done %v, err %v", done, err)
	}
}

func TestLostExecutorsTasksRerunElsewhere(t *testing.T) {
	s, _ := newScheduler(t, 0, 4)
	s.AddExecutor("A", "h1", 2)
	s.AddExecutor("B", "h2", 2)
	if err := s.Submit(tasks(4)); err != nil {
		t.Fatal(err)
	}
	as := s.Schedule()
	if len(as) != 4 {
		t.Fatalf("launched %d, want 4", len(as))
	}
	s.RemoveExecutor("A", "container exited with 137")
	for _, a := range as {
		if a.ExecutorID == "B" {
			s.TaskFinished(a.TID, "B", nil)
		}
	}
	again := s.Schedule()
	if len(again) != 2 {
		t.Fatalf("relaunched %v, want A's 2 tasks on B", again)
	}
	for _, a := range again {
		if a.ExecutorID != "B" || a.Attempt != 2 {
			t.Fatalf("relaunch %+v, want on B as attempt 2", a)
		}
	}
	finishAll(s, again)
	if done, err := s.State(); !done || err != nil {
		t.Fatalf("done %v err %v", done, err)
	}
}

func TestCoresBoundConcurrency(t *testing.T) {
	s, _ := newScheduler(t, 0, 4)
	s.AddExecutor("A", "h1", 3)
	if err := s.Submit(tasks(10)); err != nil {
		t.Fatal(err)
	}
	if as := s.Schedule(); len(as) != 3 {
		t.Fatalf("launched %d tasks on 3 cores", len(as))
	}
	if s.FreeCores() != 0 {
		t.Fatalf("free cores %d, want 0", s.FreeCores())
	}
}

// TestZeroLocalityWaitSpreadsAtOnce: with spark.locality.wait=0, tasks
// whose partitions last ran on executor A go to every free executor in
// the same round of offers, as Spark's, instead of waiting for A.
func TestZeroLocalityWaitSpreadsAtOnce(t *testing.T) {
	s, c := newScheduler(t, 0, 4)
	s.AddExecutor("A", "h1", 1)
	runBatch(t, s, c, 2, time.Millisecond) // both partitions last ran on A
	s.AddExecutor("B", "h1", 1)
	s.AddExecutor("C", "h2", 1)
	if err := s.Submit(tasks(3)); err != nil {
		t.Fatal(err)
	}
	as := s.Schedule()
	on := map[string]bool{}
	for _, a := range as {
		on[a.ExecutorID] = true
	}
	if len(as) != 3 || len(on) != 3 {
		t.Fatalf("one round of offers launched %v, want the 3 tasks on A, B and C", as)
	}
}

func TestReserveHoldsACoreUntilTheLaunchEnds(t *testing.T) {
	s, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	s.AddExecutor("1", "h1", 1)
	tid, ok := s.Reserve("1")
	if !ok || s.FreeCores() != 0 {
		t.Fatalf("Reserve = %d, %v; free cores %d", tid, ok, s.FreeCores())
	}
	if _, ok := s.Reserve("1"); ok {
		t.Fatal("a second reservation of a one-core executor succeeded")
	}
	if err := s.Submit([]Task{{ID: "a", Partition: "a"}}); err != nil {
		t.Fatal(err)
	}
	if as := s.Schedule(); len(as) != 0 {
		t.Fatalf("a task was launched on the reserved core: %+v", as)
	}
	s.TaskFinished(tid, "1", nil)
	if as := s.Schedule(); len(as) != 1 || as[0].TID == tid {
		t.Fatalf("after the reservation ended: %+v", as)
	}
}

func TestTaskBoundToAnExecutorRunsOnlyThereWhileItLives(t *testing.T) {
	cfg := DefaultConfig()
	cfg.LocalityWait = 0
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.AddExecutor("1", "h1", 2)
	s.AddExecutor("2", "h2", 2)
	if err := s.Submit([]Task{{ID: "a", Partition: "a", Executor: "2"}, {ID: "b", Partition: "b", Executor: "2"}, {ID: "c", Partition: "c", Executor: "2"}}); err != nil {
		t.Fatal(err)
	}
	as := s.Schedule()
	if len(as) != 2 || as[0].ExecutorID != "2" || as[1].ExecutorID != "2" {
		t.Fatalf("launches %+v, want two on executor 2 and none on 1", as)
	}
	s.RemoveExecutor("2", "lost")
	as = s.Schedule()
	if len(as) != 2 || as[0].ExecutorID != "1" {
		t.Fatalf("after its executor was lost: %+v, want the tasks on executor 1", as)
	}
}
