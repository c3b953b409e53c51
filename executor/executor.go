package executor

import (
	"context"
	"errors"
	"fmt"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
	"google.golang.org/grpc"
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
	// NetworkTimeout is spark.network.timeout: a session on which the
	// driver has sent nothing (not even a heartbeat's answer) this long is
	// given up and a new one opened, on a new connection.
	NetworkTimeout time.Duration
	// DriverTimeout: the executor exits after the driver has been
	// unreachable this long.
	DriverTimeout time.Duration
	// AppKey authenticates the executor to its driver and the driver to it
	// (from the application's secret, SPINDLE_APP_SECRET); nil only on a
	// cluster without TLS.
	AppKey *pki.AppKey
	// Runner runs tasks; nil fails every task.
	Runner Runner
	// Receivers carries what the job's receivers send the driver and the
	// driver's answers; nil when the executor runs no receivers.
	Receivers *ReceiverHub
	// Logger receives the executor's log.
	Logger *zap.Logger
}

// DefaultConfig returns an executor with Spark's heartbeat interval and
// Spindle's network timeout.
func DefaultConfig() Config {
	return Config{Cores: 1, HeartbeatInterval: 10 * time.Second, NetworkTimeout: 30 * time.Second, DriverTimeout: 60 * time.Second, Logger: zap.NewNop()}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.DriverAddress == "" || c.ExecutorID == "" {
		return errors.New("executor: driver address and executor id are required (SPINDLE_DRIVER_ADDRESS, SPINDLE_EXECUTOR_ID)")
	}
	if c.HeartbeatInterval <= 0 || c.NetworkTimeout <= 0 || c.DriverTimeout <= 0 {
		return fmt.Errorf("executor: heartbeat interval %v, network timeout %v and driver timeout %v must be positive", c.HeartbeatInterval, c.NetworkTimeout, c.DriverTimeout)
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

// maxReconnectWait bounds the wait between two sessions.
const maxReconnectWait = time.Second

// Run connects to the driver and runs the tasks it sends until the driver
// says to stop (nil), the driver is lost (ErrDriverLost) or ctx ends. A
// session that breaks or goes silent is replaced by a new one, on a new
// connection, while the driver timeout allows; tasks keep running across
// sessions and report their end on the session open when they finish.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	lg := cfg.Logger.With(zap.String("executor", cfg.ExecutorID), zap.String("container", cfg.ContainerID))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	x := newTasks(runCtx, cfg.Runner, int(max(cfg.Cores, 1)))
	lastContact := time.Now()
	wait := 50 * time.Millisecond
	for {
		stopped, err := session(ctx, cfg, lg, x)
		if stopped {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			lastContact, wait = time.Now(), 50*time.Millisecond
		}
		if time.Since(lastContact) > cfg.DriverTimeout {
			return fmt.Errorf("%w: no session with %s for %v: %v", ErrDriverLost, cfg.DriverAddress, cfg.DriverTimeout, err)
		}
		lg.Warn("session with driver ended; connecting again", zap.Error(err), zap.Int("held", len(x.held())))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, maxReconnectWait, cfg.HeartbeatInterval)
	}
}

// session runs one Connect stream on its own connection. It returns
// stopped when the driver said to shut down; err is nil when the driver
// acknowledged the registration before the session ended.
func session(ctx context.Context, cfg Config, lg *zap.Logger, x *tasks) (stopped bool, err error) {
	conn, err := grpc.NewClient(cfg.DriverAddress, pki.AppDialOption(cfg.AppKey))
	if err != nil {
		return false, fmt.Errorf("executor %s: driver address %s: %w", cfg.ExecutorID, cfg.DriverAddress, err)
	}
	defer conn.Close()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := pb.NewTaskClient(conn).Connect(sctx)
	if err != nil {
		return false, err
	}
	reg := &pb.RegisterExecutorRequest{ExecutorId: cfg.ExecutorID, ContainerId: cfg.ContainerID, Host: cfg.Host, Cores: cfg.Cores, RunningTids: x.held()}
	if err := stream.Send(&pb.ExecutorMessage{Message: &pb.ExecutorMessage_Register{Register: reg}}); err != nil {
		return false, err
	}
	// The driver acknowledges the registration (or says to shut down).
	// A silent driver is given up on as during the session.
	acked := make(chan *pb.DriverMessage, 1)
	ackErr := make(chan error, 1)
	go func() {
		m, err := stream.Recv()
		if err != nil {
			ackErr <- err
			return
		}
		acked <- m
	}()
	var first *pb.DriverMessage
	select {
	case first = <-acked:
	case err := <-ackErr:
		return false, err
	case <-time.After(cfg.NetworkTimeout):
		return false, fmt.Errorf("executor %s: the driver did not acknowledge the registration within %v", cfg.ExecutorID, cfg.NetworkTimeout)
	}
	if first.GetShutdown() {
		lg.Info("driver asked the executor to stop")
		return true, nil
	}
	lg.Info("connected to driver", zap.String("driver", cfg.DriverAddress), zap.Int("held", len(reg.GetRunningTids())))
	if cfg.Receivers != nil {
		cfg.Receivers.resend()
	}
	sendErr := make(chan error, 1)
	go sender(sctx, cfg, stream, x, sendErr)
	msgs := make(chan *pb.DriverMessage)
	recvErr := make(chan error, 1)
	go func() {
		for {
			m, err := stream.Recv()
			if err != nil {
				recvErr <- err
				return
			}
			select {
			case msgs <- m:
			case <-sctx.Done():
				return
			}
		}
	}()
	silence := time.NewTimer(cfg.NetworkTimeout)
	defer silence.Stop()
	for {
		select {
		case m := <-msgs:
			silence.Reset(cfg.NetworkTimeout)
			switch {
			case m.GetShutdown():
				lg.Info("driver asked the executor to stop")
				return true, nil
			case m.GetLaunch() != nil:
				x.launch(m.GetLaunch())
			case m.GetKill() != nil:
				if x.kill(m.GetKill().GetTid()) {
					lg.Info("task killed", zap.Int64("tid", m.GetKill().GetTid()), zap.String("reason", m.GetKill().GetReason()))
				}
			case cfg.Receivers != nil:
				cfg.Receivers.handle(m)
			}
		case err := <-recvErr:
			return false, fmt.Errorf("receive from driver: %w", err)
		case err := <-sendErr:
			return false, fmt.Errorf("send to driver: %w", err)
		case <-silence.C:
			return false, fmt.Errorf("the driver sent nothing for %v (spark.network.timeout)", cfg.NetworkTimeout)
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// sender sends heartbeats and the statuses of finished tasks on one
// session; a status leaves the executor's keeping once it is sent.
func sender(ctx context.Context, cfg Config, stream pb.Task_ConnectClient, x *tasks, errc chan<- error) {
	hb := time.NewTicker(cfg.HeartbeatInterval)
	defer hb.Stop()
	for {
		changed := x.changed()
		for {
			st := x.nextStatus()
			if st == nil {
				break
			}
			if err := stream.Send(&pb.ExecutorMessage{Message: &pb.ExecutorMessage_Status{Status: st}}); err != nil {
				errc <- err
				return
			}
			x.sent(st.GetTid())
		}
		var hubChanged <-chan struct{}
		if cfg.Receivers != nil {
			hubChanged = cfg.Receivers.changed()
			for m := cfg.Receivers.next(); m != nil; m = cfg.Receivers.next() {
				if err := stream.Send(m); err != nil {
					errc <- err
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-hubChanged:
		case <-changed:
		case <-hb.C:
			if err := stream.Send(&pb.ExecutorMessage{Message: &pb.ExecutorMessage_Heartbeat{Heartbeat: &pb.ExecutorHeartbeatRequest{ExecutorId: cfg.ExecutorID}}}); err != nil {
				errc <- err
				return
			}
		}
	}
}
