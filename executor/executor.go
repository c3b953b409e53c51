package executor

import (
	"context"
	"errors"
	"fmt"
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

// Run registers with the driver and heartbeats until the driver says to
// stop (nil), the driver is lost (ErrDriverLost) or ctx ends.
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
	lastContact := time.Now()
	registered := false
	for {
		cctx, cancel := context.WithTimeout(ctx, cfg.HeartbeatInterval+5*time.Second)
		if !registered {
			_, err = task.RegisterExecutor(cctx, &pb.RegisterExecutorRequest{ExecutorId: cfg.ExecutorID, ContainerId: cfg.ContainerID, Host: cfg.Host, Cores: cfg.Cores})
			if err == nil {
				registered = true
				lg.Info("registered with driver", zap.String("driver", cfg.DriverAddress))
			}
		} else {
			var resp *pb.ExecutorHeartbeatResponse
			resp, err = task.ExecutorHeartbeat(cctx, &pb.ExecutorHeartbeatRequest{ExecutorId: cfg.ExecutorID})
			if err == nil && resp.GetShutdown() {
				cancel()
				lg.Info("driver asked the executor to stop")
				return nil
			}
		}
		cancel()
		if err == nil {
			lastContact = time.Now()
		} else if time.Since(lastContact) > cfg.DriverTimeout {
			return fmt.Errorf("%w: no answer from %s for %v: %v", ErrDriverLost, cfg.DriverAddress, cfg.DriverTimeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(cfg.HeartbeatInterval):
		}
	}
}
