package appmaster

import (
	"context"
	"errors"
	"fmt"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/launch"
	"go.uber.org/zap"
)

// Config configures an ApplicationMaster.
type Config struct {
	// RMAddress is the RM's ApplicationMaster service.
	RMAddress string
	// AttemptToken authenticates every call to the RM.
	AttemptToken *pb.Token
	// AttemptID is this attempt, e.g. appattempt_…_000001.
	AttemptID string
	// Host is the host executors and the RM reach this AM at.
	Host string
	// DriverCommand, in cluster mode, is the driver process (the job); its
	// exit ends the application. Empty = client mode.
	DriverCommand []string
	// RunDriver, in cluster mode for a Spindle job, is the streaming driver
	// run inside the AM; its return ends the application. It takes
	// precedence over DriverCommand.
	RunDriver func(ctx context.Context, ep *driver.Endpoint) error
	// DriverEnv is added to the driver's environment.
	DriverEnv map[string]string
	// DriverAddress, in client mode, is the Task endpoint of the driver that
	// runs in the submitting process.
	DriverAddress string
	// NumExecutors is spark.executor.instances.
	NumExecutors int
	// ExecutorMemoryMB is spark.executor.memory; ExecutorOverheadMB is its
	// overhead (0 = the RM's rule max(384 MiB, 10%)).
	ExecutorMemoryMB, ExecutorOverheadMB int64
	// ExecutorCores is spark.executor.cores.
	ExecutorCores int32
	// ExecutorCommand runs an executor; {{SPINDLE_BINARY}} is the NM's spindle.
	ExecutorCommand []string
	// ExecutorEnv is added to each executor's environment.
	ExecutorEnv map[string]string
	// LocalResources are localized into every executor's working dir.
	LocalResources []*pb.LocalResource
	// MaxExecutorFailures is spark.yarn.max.executor.failures: the app fails
	// when more executors than this fail within ExecutorFailuresValidity.
	MaxExecutorFailures int
	// ExecutorFailuresValidity is spark.yarn.executor.failuresValidityInterval (0 = all count).
	ExecutorFailuresValidity time.Duration
	// ContainerLaunchTimeout: an executor not registered with the driver by
	// then is released and replaced (spark.yarn.containerLaunchTimeout).
	ContainerLaunchTimeout time.Duration
	// HeartbeatInterval is the allocate interval when nothing is pending;
	// InitialAllocationInterval when executors are being asked for.
	HeartbeatInterval, InitialAllocationInterval time.Duration
	// DriverTimeout, in client mode, is how long the driver may be
	// unreachable before the application fails.
	DriverTimeout time.Duration
	// Credentials are the AM's TLS material, its callers' ACL and the
	// application's secret (CredentialsFromEnv).
	Credentials Credentials
	// RMUnreachableTimeout is how long the AM goes on without an answer
	// from the RM before it exits (spindle.am.rmUnreachableTimeout).
	RMUnreachableTimeout time.Duration
	// Logger receives the AM's log.
	Logger *zap.Logger
}

// DefaultConfig returns Spark's defaults where Spark has one.
func DefaultConfig() Config {
	return Config{
		NumExecutors:              2,
		ExecutorMemoryMB:          1024,
		ExecutorCores:             1,
		ContainerLaunchTimeout:    120 * time.Second,
		HeartbeatInterval:         time.Second,
		InitialAllocationInterval: 100 * time.Millisecond,
		DriverTimeout:             30 * time.Second,
		RMUnreachableTimeout:      DefaultRMUnreachableTimeout,
		Logger:                    zap.NewNop(),
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.RMAddress == "" || c.AttemptToken == nil || c.AttemptID == "":
		return fmt.Errorf("appmaster: RM address, attempt token and attempt id are required (%s, %s, %s)", launch.EnvRMAddress, launch.EnvAttemptToken, launch.EnvAttemptID)
	case c.RunDriver == nil && len(c.DriverCommand) == 0 && c.DriverAddress == "":
		return errors.New("appmaster: no driver: neither a streaming driver, a driver command (cluster mode) nor a driver address (client mode)")
	case c.NumExecutors < 0:
		return fmt.Errorf("appmaster: spark.executor.instances = %d: want 0 or more", c.NumExecutors)
	case c.NumExecutors > 0 && (c.ExecutorMemoryMB <= 0 || c.ExecutorCores <= 0 || len(c.ExecutorCommand) == 0):
		return fmt.Errorf("appmaster: executors need positive memory (%d MiB) and cores (%d) and a command", c.ExecutorMemoryMB, c.ExecutorCores)
	case c.MaxExecutorFailures < 0:
		return fmt.Errorf("appmaster: spark.yarn.max.executor.failures = %d: want 0 or more", c.MaxExecutorFailures)
	case c.HeartbeatInterval <= 0 || c.InitialAllocationInterval <= 0 || c.ContainerLaunchTimeout <= 0:
		return errors.New("appmaster: heartbeat intervals and the container launch timeout must be positive")
	case c.RMUnreachableTimeout <= 0:
		return fmt.Errorf("appmaster: %s = %v: want a positive duration", conf.KeyAMRMUnreachableTimeout, c.RMUnreachableTimeout)
	}
	return c.Credentials.validate()
}

// DefaultMaxExecutorFailures is Spark's default: max(2 × executors, 3).
func DefaultMaxExecutorFailures(numExecutors int) int {
	return max(2*numExecutors, 3)
}
