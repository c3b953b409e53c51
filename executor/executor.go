package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Config configures an executor.
type Config struct {
	// DriverAddress is the driver's Task endpoint (SPINDLE_DRIVER_ADDRESS).
	DriverAddress string
	// ExecutorID is the id the AM gave this executor (SPINDLE_EXECUTOR_ID).
	ExecutorID string
	// ContainerID is this executor's container (CONTAINER_ID).
	ContainerID string
	// Host is this executor's host (NM_HOST).
	Host string
	// Cores is how many tasks may run at once (spark.executor.cores).
	Cores int32
	// HeartbeatInterval is spark.executor.heartbeatInterval.
	HeartbeatInterval time.Duration
	// DriverTimeout: the executor exits after the driver has been
	// unreachable this long.
	DriverTimeout time.Duration
	// Runner runs tasks; nil fails every task.
	Runner Runner
	// Logger receives the executor's log.
	Logger *zap.Logger
}

// DefaultConfig returns an executor with Spark's heartbeat interval.
func DefaultConfig() Config {
	return Config{Cores: 1, HeartbeatInterval: time.Second, DriverTimeout: 60 * time.Second, Logger: zap.NewNop()}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.DriverAddress == "" || c.ExecutorID == "" {
		return errors.New("executor: driver address and executor id are required (SPINDLE_DRIVER_ADDRESS, SPINDLE_EXECUTOR_ID)")
	}
	if c.HeartbeatInterval <= 0 || c.DriverTimeout <= 0 {
		return fmt.Errorf("executor: heartbeat interval %v and driver timeout %v must be positive", c.HeartbeatInterval, c.DriverTimeout)
	}
	return nil
}

// ErrDriverLost is returned when the driver stayed unreachable past the timeout.
var ErrDriverLost = errors.New("executor: driver unreachable")

// Runner runs one task and reports its end; the executor runs up to Cores
// of them at once.
type Runner interface {
	RunTask(ctx context.Context, t *pb.LaunchTask) *pb.TaskStatus
}

// Run connects to the driver and runs the tasks it sends until the driver
// says to stop (nil), the driver is lost (ErrDriverLost) or ctx ends. A
// broken session is reconnected while the driver timeout allows.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	lg := cfg.Logger.With(zap.String("executor", cfg.ExecutorID), zap.String("container", cfg.ContainerID))
	conn, err := grpc.NewClient(cfg.DriverAddress, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("executor %s: driver address %s: %w", cfg.ExecutorID, cfg.DriverAddress, err)
	}
	defer conn.Close()
	task := pb.NewTaskClient(conn)
	slots := make(chan struct{}, max(cfg.Cores, 1))
	lastContact := time.Now()
	for {
		stopped, err := session(ctx, cfg, lg, task, slots)
		if stopped {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			lastContact = time.Now()
		}
		if time.Since(lastContact) > cfg.DriverTimeout {
			return fmt.Errorf("%w: no session with %s for %v: %v", ErrDriverLost, cfg.DriverAddress, cfg.DriverTimeout, err)
		}
		lg.Warn("session with driver ended; reconnecting", zap.Error(err))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(cfg.HeartbeatInterval):
		}
	}
}

// session runs one Connect stream. It returns stopped when the driver said
// to shut down; err is nil when the driver acknowledged the registration
// before the session ended.
func session(ctx context.Context, cfg Config, lg *zap.Logger, task pb.TaskClient, slots chan struct{}) (stopped bool, err error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := task.Connect(sctx)
	if err != nil {
		return false, err
	}
	var sendMu sync.Mutex
	send := func(m *pb.ExecutorMessage) error {
		sendMu.Lock()
		defer sendMu.Unlock()
		return stream.Send(m)
	}
	reg := &pb.RegisterExecutorRequest{ExecutorId: cfg.ExecutorID, ContainerId: cfg.ContainerID, Host: cfg.Host, Cores: cfg.Cores}
	if err := send(&pb.ExecutorMessage{Message: &pb.ExecutorMessage_Register{Register: reg}}); err != nil {
		return false, err
	}
	// The driver acknowledges the registration (or says to shut down).
	first, err := stream.Recv()
	if err != nil {
		return false, err
	}
	lg.Info("connected to driver", zap.String("driver", cfg.DriverAddress))
	go func() {
		t := time.NewTicker(cfg.HeartbeatInterval)
		defer t.Stop()
		for {
			select {
			case <-sctx.Done():
				return
			case <-t.C:
				send(&pb.ExecutorMessage{Message: &pb.ExecutorMessage_Heartbeat{Heartbeat: &pb.ExecutorHeartbeatRequest{ExecutorId: cfg.ExecutorID}}})
			}
		}
	}()
	for m := first; ; {
		if m.GetShutdown() {
			lg.Info("driver asked the executor to stop")
			return true, nil
		}
		if l := m.GetLaunch(); l != nil {
			select {
			case slots <- struct{}{}:
			case <-sctx.Done():
				return false, nil
			}
			go func() {
				defer func() { <-slots }()
				st := runTask(sctx, cfg.Runner, l)
				if err := send(&pb.ExecutorMessage{Message: &pb.ExecutorMessage_Status{Status: st}}); err != nil {
					lg.Warn("report task status", zap.String("task", l.GetTaskId()), zap.Error(err))
				}
			}()
		}
		if m, err = stream.Recv(); err != nil {
			return false, nil
		}
	}
}

// runTask runs t, or fails it when the executor has no job to run.
func runTask(ctx context.Context, r Runner, t *pb.LaunchTask) *pb.TaskStatus {
	if r == nil {
		return &pb.TaskStatus{TaskId: t.GetTaskId(), Attempt: t.GetAttempt(), Error: "executor has no job loaded"}
	}
	st := r.RunTask(ctx, t)
	st.TaskId, st.Attempt = t.GetTaskId(), t.GetAttempt()
	return st
}
