package executor

import (
	"context"
	"fmt"
	"sync"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// StartingRunner is a Runner that is still being built, so that an
// executor registers with the driver while its job's plugin starts and
// its Kafka and sink clients connect, rather than after. A task that
// arrives first waits for the runner.
type StartingRunner struct {
	ready  chan struct{}
	runner Runner
	close  func()
	err    error
	once   sync.Once
}

// StartRunner builds a runner with start in the background. start returns
// the runner and what releases it.
func StartRunner(start func() (Runner, func(), error)) *StartingRunner {
	s := &StartingRunner{ready: make(chan struct{})}
	go func() {
		defer close(s.ready)
		s.runner, s.close, s.err = start()
	}()
	return s
}

// Wait returns once the runner is built: nil, or why it could not be.
func (s *StartingRunner) Wait(ctx context.Context) error {
	select {
	case <-s.ready:
		return s.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RunTask waits for the runner, then runs t with it; a runner that could
// not be built fails the task with the reason.
func (s *StartingRunner) RunTask(ctx context.Context, t *pb.LaunchTask) *pb.TaskStatus {
	if err := s.Wait(ctx); err != nil {
		return &pb.TaskStatus{Error: fmt.Sprintf("executor: job not started: %v", err)}
	}
	return s.runner.RunTask(ctx, t)
}

// Close waits for the runner to be built and releases it.
func (s *StartingRunner) Close() {
	s.once.Do(func() {
		<-s.ready
		if s.close != nil {
			s.close()
		}
	})
}
