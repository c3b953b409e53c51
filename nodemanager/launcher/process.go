package launcher

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// Process is a running or finished container process and its process
// group. All methods are safe for concurrent use.
type Process struct {
	id        string
	pid       int
	startedAt time.Time
	cmd       *exec.Cmd
	out       outputs
	logger    *zap.Logger
	done      chan struct{}

	// mu orders group signals against reaping: once exited is set the
	// group id may be reused, so no signal may be sent.
	mu     sync.Mutex
	exited bool

	// result is written once, before done is closed.
	result Result
}

// PID returns the process id of the container's main process, which is
// also its process group id.
func (p *Process) PID() int { return p.pid }

// StartedAt returns when the process was started.
func (p *Process) StartedAt() time.Time { return p.startedAt }

// Done returns a channel closed once the main process has exited, its
// leftover group members have been killed and its output is closed.
func (p *Process) Done() <-chan struct{} { return p.done }

// Result returns how the process ended. Before Done is closed it returns
// ExitCode -1 and Err ErrRunning.
func (p *Process) Result() Result {
	select {
	case <-p.done:
		return p.result
	default:
		return Result{ExitCode: -1, Err: ErrRunning}
	}
}

// Signal sends sig to every process in the container's process group. It
// returns ErrProcessFinished once the main process has exited.
func (p *Process) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return fmt.Errorf("signal %s to container %s: %w", signalName(sig), p.id, ErrProcessFinished)
	}
	if err := syscall.Kill(-p.pid, sig); err != nil {
		return fmt.Errorf("signal %s to container %s process group %d: %w", signalName(sig), p.id, p.pid, err)
	}
	return nil
}

// Kill sends SIGKILL to the container's process group.
func (p *Process) Kill() error {
	return p.Signal(syscall.SIGKILL)
}

// Stop sends SIGTERM to the process group, then SIGKILL if the process has
// not exited after grace or when ctx ends, and returns the result once it
// is done. It may be called more than once, concurrently, and after the
// process has exited.
func (p *Process) Stop(ctx context.Context, grace time.Duration) Result {
	select {
	case <-p.done:
		return p.result
	default:
	}
	log := p.logger.With(zap.String("container", p.id), zap.Int("pid", p.pid))
	log.Info("stopping container process", zap.Duration("grace", grace))
	if err := p.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, ErrProcessFinished) {
		log.Warn("container SIGTERM failed", zap.Error(err))
	}

	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
		return p.result
	case <-timer.C:
		log.Info("container still running after grace period, killing")
	case <-ctx.Done():
		log.Info("container stop cancelled, killing", zap.Error(ctx.Err()))
	}
	if err := p.Kill(); err != nil && !errors.Is(err, ErrProcessFinished) {
		log.Warn("container SIGKILL failed", zap.Error(err))
	}
	<-p.done
	return p.result
}

// wait runs for the life of the process: it kills what the main process
// leaves behind in its group, reaps it, closes its output and publishes
// the result.
func (p *Process) wait() {
	log := p.logger.With(zap.String("container", p.id), zap.Int("pid", p.pid))
	if err := waitExitedNoReap(p.pid); err != nil {
		// Without this the group cannot be swept safely; reap as usual.
		log.Warn("container exit wait without reaping failed", zap.Error(err))
	} else {
		p.mu.Lock()
		// The leader is an unreaped zombie, so its group id still belongs
		// to this container; ESRCH only means nothing is left.
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
		p.exited = true
		p.mu.Unlock()
	}

	waitErr := p.cmd.Wait()
	p.mu.Lock()
	p.exited = true
	p.mu.Unlock()

	var exitErr *exec.ExitError
	if errors.As(waitErr, &exitErr) {
		// A non-zero exit is a result, not a failure.
		waitErr = nil
	}
	var errs []error
	if waitErr != nil {
		errs = append(errs, fmt.Errorf("wait for container %s: %w", p.id, waitErr))
	}
	if err := p.out.close(); err != nil {
		errs = append(errs, fmt.Errorf("close output of container %s: %w", p.id, err))
	}
	p.result = resultFromState(p.cmd.ProcessState, errors.Join(errs...))

	log.Info("container process exited",
		zap.Int("exit_code", p.result.ExitCode),
		zap.String("signal", p.result.Signal),
		zap.Duration("ran_for", time.Since(p.startedAt)),
		zap.NamedError("wait_error", p.result.Err))
	close(p.done)
}
