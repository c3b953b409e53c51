package taskscheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func newTimeoutScheduler(t *testing.T, timeout time.Duration, maxFailures int) (*Scheduler, *clock) {
	t.Helper()
	c := &clock{t: time.Unix(1000, 0)}
	s, err := New(Config{MaxFailures: maxFailures, TaskTimeout: timeout, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// one returns the only assignment of as, or fails.
func one(t *testing.T, as []Assignment, what string) Assignment {
	t.Helper()
	if len(as) != 1 {
		t.Fatalf("%s: %+v, want one launch", what, as)
	}
	return as[0]
}

// overrun starts one task with a 1 s timeout beside executors A (a cores)
// and B (b cores), lets its first attempt run past the timeout and returns
// that attempt and the one launched beside it.
func overrun(t *testing.T, maxFailures, a, b int) (s *Scheduler, first, again Assignment) {
	t.Helper()
	s, c := newTimeoutScheduler(t, time.Second, maxFailures)
	s.AddExecutor("A", "h1", a)
	s.AddExecutor("B", "h2", b)
	if err := s.Submit(tasks(1)); err != nil {
		t.Fatal(err)
	}
	first = one(t, s.Schedule(), "first launch")
	c.advance(time.Second)
	again = one(t, s.Schedule(), "at the timeout")
	return s, first, again
}

// TestOverranTaskRunsAgainElsewhereFirstWins: a task that runs past the
// timeout is launched again on another executor; the first attempt to
// succeed wins, the other is to be killed and holds its core until its end
// is reported.
func TestOverranTaskRunsAgainElsewhereFirstWins(t *testing.T) {
	s, c := newTimeoutScheduler(t, 10*time.Second, 4)
	s.AddExecutor("A", "h1", 1)
	s.AddExecutor("B", "h2", 1)
	if err := s.Submit(tasks(1)); err != nil {
		t.Fatal(err)
	}
	first := one(t, s.Schedule(), "first launch")
	c.advance(9 * time.Second)
	if as := s.Schedule(); len(as) != 0 {
		t.Fatalf("before the timeout: %+v, want nothing", as)
	}
	c.advance(time.Second)
	again := one(t, s.Schedule(), "at the timeout")
	if again.ExecutorID == first.ExecutorID || again.Attempt != 2 || again.TID == first.TID ||
		again.Overran == nil || again.Overran.ExecutorID != first.ExecutorID || again.Overran.Attempt != 1 || again.Overran.For != 10*time.Second {
		t.Fatalf("launch at the timeout %+v (overran %+v), want attempt 2 on the other executor beside attempt 1", again, again.Overran)
	}
	c.advance(time.Minute)
	if as := s.Schedule(); len(as) != 0 {
		t.Fatalf("with two attempts running: %+v, want no third", as)
	}
	fin := s.TaskFinished(again.TID, again.ExecutorID, nil)
	if !fin.Won || len(fin.Kill) != 1 || fin.Kill[0].TID != first.TID || fin.Kill[0].ExecutorID != first.ExecutorID {
		t.Fatalf("the second attempt's success: %+v, want it to win and attempt 1 killed", fin)
	}
	if done, err := s.State(); !done || err != nil {
		t.Fatalf("done %v err %v", done, err)
	}
	if n := s.FreeCores(); n != 1 {
		t.Fatalf("%d free cores while the killed attempt has not ended, want 1", n)
	}
	if fin := s.TaskFinished(first.TID, first.ExecutorID, context.Canceled); fin.Won || fin.Failed {
		t.Fatalf("the killed attempt's end: %+v, want it to decide nothing", fin)
	}
	if n := s.FreeCores(); n != 2 {
		t.Fatalf("%d free cores once the killed attempt ended, want 2", n)
	}
}

// TestOverranOriginalCanStillWin: the attempt that ran past the timeout
// may finish first; then the later one is killed.
func TestOverranOriginalCanStillWin(t *testing.T) {
	s, first, again := overrun(t, 4, 1, 1)
	fin := s.TaskFinished(first.TID, first.ExecutorID, nil)
	if !fin.Won || len(fin.Kill) != 1 || fin.Kill[0].TID != again.TID {
		t.Fatalf("the first attempt's success: %+v, want it to win and attempt 2 killed", fin)
	}
	if fin := s.TaskFinished(again.TID, again.ExecutorID, nil); fin.Won {
		t.Fatal("a second success won again")
	}
}

// TestOverranTaskFailuresStillCount: attempts launched beside an overrun
// one that fail count against spark.task.maxFailures, and each failure
// leaves the overrun attempt with a new companion.
func TestOverranTaskFailuresStillCount(t *testing.T) {
	s, first, again := overrun(t, 2, 2, 1)
	if fin := s.TaskFinished(again.TID, again.ExecutorID, errors.New("sink refused")); !fin.Failed {
		t.Fatalf("failure of attempt 2: %+v", fin)
	}
	// B failed it, so the next attempt runs on A beside the overrun one.
	third := one(t, s.Schedule(), "after attempt 2 failed")
	if third.Attempt != 3 || third.ExecutorID != first.ExecutorID || third.Overran == nil {
		t.Fatalf("third launch %+v, want attempt 3 on %s beside the overrun attempt", third, first.ExecutorID)
	}
	s.TaskFinished(third.TID, third.ExecutorID, errors.New("sink refused again"))
	done, err := s.State()
	if !done || !errors.Is(err, ErrTaskSetFailed) || !strings.Contains(err.Error(), "failed 2 times") {
		t.Fatalf("after two failures: done %v err %v", done, err)
	}
}

// TestNoTimeoutNoSecondAttempt: with no task timeout a long attempt is
// left alone.
func TestNoTimeoutNoSecondAttempt(t *testing.T) {
	s, c := newTimeoutScheduler(t, 0, 4)
	s.AddExecutor("A", "h1", 1)
	s.AddExecutor("B", "h2", 1)
	if err := s.Submit(tasks(1)); err != nil {
		t.Fatal(err)
	}
	one(t, s.Schedule(), "first launch")
	c.advance(time.Hour)
	if as := s.Schedule(); len(as) != 0 {
		t.Fatalf("without a timeout: %+v", as)
	}
}

// TestOverranOnTheOnlyExecutor: with one executor the second attempt runs
// there, on another core.
func TestOverranOnTheOnlyExecutor(t *testing.T) {
	s, c := newTimeoutScheduler(t, time.Second, 4)
	s.AddExecutor("A", "h1", 2)
	if err := s.Submit(tasks(1)); err != nil {
		t.Fatal(err)
	}
	one(t, s.Schedule(), "first launch")
	c.advance(time.Second)
	if again := one(t, s.Schedule(), "at the timeout"); again.ExecutorID != "A" || again.Overran == nil {
		t.Fatalf("launch at the timeout %+v, want it on A", again)
	}
}

// TestPendingTasksBeforeSecondAttempts: free cores go to tasks that have
// not run yet before they go to overrun ones.
func TestPendingTasksBeforeSecondAttempts(t *testing.T) {
	s, c := newTimeoutScheduler(t, time.Second, 4)
	s.AddExecutor("A", "h1", 1)
	s.AddExecutor("B", "h2", 1)
	if err := s.Submit(tasks(3)); err != nil {
		t.Fatal(err)
	}
	as := s.Schedule()
	if len(as) != 2 {
		t.Fatalf("first round %+v, want 2 launches", as)
	}
	c.advance(2 * time.Second)
	s.TaskFinished(as[1].TID, as[1].ExecutorID, nil)
	next := one(t, s.Schedule(), "after one task ended")
	if next.Overran != nil || next.TaskID == as[0].TaskID {
		t.Fatalf("next launch %+v, want the pending task, not a second attempt", next)
	}
}

// TestCoresHeldAcrossTaskSets: an attempt of an earlier set that has not
// ended, and launches an executor reports holding when it registers
// again, occupy cores until their end is reported.
func TestCoresHeldAcrossTaskSets(t *testing.T) {
	s, first, again := overrun(t, 4, 2, 2)
	s.TaskFinished(again.TID, again.ExecutorID, nil)
	if err := s.Submit(tasks(1)); err != nil {
		t.Fatal(err)
	}
	if n := s.FreeCores(); n != 3 {
		t.Fatalf("%d free cores with the killed attempt of the last set running, want 3", n)
	}
	s.TaskFinished(first.TID, first.ExecutorID, context.Canceled)
	if n := s.FreeCores(); n != 4 {
		t.Fatalf("%d free cores once it ended, want 4", n)
	}
	s.AddExecutor("B", "h2", 2, 900, 901)
	if n := s.FreeCores(); n != 2 {
		t.Fatalf("%d free cores with B holding two launches, want 2", n)
	}
	s.TaskFinished(900, "B", nil)
	if n := s.FreeCores(); n != 3 {
		t.Fatalf("%d free cores once one ended, want 3", n)
	}
}

// TestLostExecutorFailsOnlyItsAttempt: when the executor of one of two
// running attempts is lost, the other goes on and can win.
func TestLostExecutorFailsOnlyItsAttempt(t *testing.T) {
	s, first, again := overrun(t, 4, 1, 1)
	s.RemoveExecutor(first.ExecutorID, "no heartbeat")
	if fin := s.TaskFinished(again.TID, again.ExecutorID, nil); !fin.Won || len(fin.Kill) != 0 {
		t.Fatalf("the surviving attempt's success: %+v", fin)
	}
	if done, err := s.State(); !done || err != nil {
		t.Fatalf("done %v err %v", done, err)
	}
}

// TestLostLaunchesDoNotCount: an attempt whose launch was lost (its
// session replaced) runs again, on the same executor if need be, without
// counting against spark.task.maxFailures.
func TestLostLaunchesDoNotCount(t *testing.T) {
	s, _ := newTimeoutScheduler(t, 0, 1)
	s.AddExecutor("A", "h1", 1)
	if err := s.Submit(tasks(1)); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		a := one(t, s.Schedule(), "launch")
		if a.Attempt != i || a.ExecutorID != "A" {
			t.Fatalf("launch %+v, want attempt %d on A", a, i)
		}
		if fin := s.TaskFinished(a.TID, "A", fmt.Errorf("%w: session replaced", ErrLaunchLost)); fin.Failed || fin.Won {
			t.Fatalf("lost launch decided %+v", fin)
		}
		if done, err := s.State(); done || err != nil {
			t.Fatalf("after %d lost launches: done %v err %v, want the task pending", i, done, err)
		}
	}
}
