package executor

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// TestStartingRunnerMakesTasksWait: a task that arrives while the runner
// is being built runs once it is; a runner that cannot be built fails
// tasks with the reason and Wait returns it.
func TestStartingRunnerMakesTasksWait(t *testing.T) {
	release := make(chan struct{})
	closed := make(chan struct{})
	s := StartRunner(func() (Runner, func(), error) {
		<-release
		return &countingRunner{}, func() { close(closed) }, nil
	})
	done := make(chan *pb.TaskStatus, 1)
	go func() { done <- s.RunTask(context.Background(), &pb.LaunchTask{TaskId: "t"}) }()
	select {
	case st := <-done:
		t.Fatalf("task ran before the runner was built: %v", st)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if st := <-done; !st.GetSucceeded() {
		t.Fatalf("task %v, want it run once the runner is built", st)
	}
	s.Close()
	<-closed

	bad := StartRunner(func() (Runner, func(), error) { return nil, nil, errors.New("checksum mismatch") })
	if err := bad.Wait(context.Background()); err == nil || err.Error() != "checksum mismatch" {
		t.Fatalf("Wait = %v, want the start's error", err)
	}
	if st := bad.RunTask(context.Background(), &pb.LaunchTask{}); st.GetSucceeded() || !strings.Contains(st.GetError(), "checksum mismatch") {
		t.Fatalf("task on a runner that failed to start: %v", st)
	}
	bad.Close()
}
