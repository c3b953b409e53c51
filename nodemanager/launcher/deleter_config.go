package launcher

import (
	"fmt"
	"time"

	"go.uber.org/zap"
)

// defaultCheckInterval is how often Run re-reads the clock when nothing
// wakes it earlier.
const defaultCheckInterval = time.Second

// DeleterConfig configures a Deleter.
type DeleterConfig struct {
	// Delay is how long after Schedule a path is removed; 0 removes it at
	// once. A non-zero delay keeps container directories for debugging,
	// like yarn.nodemanager.delete.debug-delay-sec.
	Delay time.Duration
	// Logger receives deletion and refusal logs; nil logs nothing.
	Logger *zap.Logger
	// Now is the clock deletions are timed by; nil means time.Now.
	Now func() time.Time
	// CheckInterval bounds how long Run waits before re-reading Now, so a
	// clock that jumps is noticed; 0 means one second.
	CheckInterval time.Duration
}

// DefaultDeleterConfig returns a config that deletes at once, logs nothing
// and uses the system clock.
func DefaultDeleterConfig() DeleterConfig {
	return DeleterConfig{
		Logger:        zap.NewNop(),
		Now:           time.Now,
		CheckInterval: defaultCheckInterval,
	}
}

// Validate reports unusable settings.
func (c DeleterConfig) Validate() error {
	if c.Delay < 0 {
		return fmt.Errorf("%w: deleter Delay %s is negative", ErrInvalidConfig, c.Delay)
	}
	if c.CheckInterval < 0 {
		return fmt.Errorf("%w: deleter CheckInterval %s is negative", ErrInvalidConfig, c.CheckInterval)
	}
	return nil
}

// withDefaults fills the optional fields left zero.
func (c DeleterConfig) withDefaults() DeleterConfig {
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.CheckInterval == 0 {
		c.CheckInterval = defaultCheckInterval
	}
	return c
}
