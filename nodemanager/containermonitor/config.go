package containermonitor

import (
	"fmt"
	"time"

	"go.uber.org/zap"
)

// DefaultInterval is YARN's default for
// yarn.nodemanager.container-monitor.interval-ms.
const DefaultInterval = 3 * time.Second

// DefaultProcRoot is where Linux mounts procfs.
const DefaultProcRoot = "/proc"

// Config configures a Monitor.
type Config struct {
	// Interval is the time between two samples
	// (yarn.nodemanager.container-monitor.interval-ms). It also sets how old
	// a process must be before it counts against a limit under the aged rule.
	Interval time.Duration

	// ProcRoot is the procfs mount point to read, normally "/proc".
	ProcRoot string

	// Logger receives the monitor's logs; it must not be nil.
	Logger *zap.Logger

	// OnExceeded is called once, from the sampling goroutine, for each
	// container found over its memory limit; the container is no longer
	// tracked by then, so the callback may call Remove or Add freely, but
	// not SampleOnce. It should return quickly (hand the kill to another
	// goroutine if it can block). Nil means violations are only logged.
	OnExceeded func(Violation)
}

// DefaultConfig returns a Config with YARN's interval, /proc, a no-op logger
// and no OnExceeded callback.
func DefaultConfig() Config {
	return Config{
		Interval: DefaultInterval,
		ProcRoot: DefaultProcRoot,
		Logger:   zap.NewNop(),
	}
}

// Validate reports the first field of c that cannot be used.
func (c Config) Validate() error {
	if c.Interval <= 0 {
		return fmt.Errorf("%w: Interval must be positive, got %s", ErrInvalidConfig, c.Interval)
	}
	if c.ProcRoot == "" {
		return fmt.Errorf("%w: ProcRoot must not be empty", ErrInvalidConfig)
	}
	if c.Logger == nil {
		return fmt.Errorf("%w: Logger must not be nil", ErrInvalidConfig)
	}
	return nil
}
