package failover

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/spindlehq/spindle/conf"
)

// Keys of the failover timing, YARN's client keys and one of Spindle's.
const (
	KeyMaxAttempts    = "yarn.client.failover-max-attempts"
	KeySleepBase      = "yarn.client.failover-sleep-base-ms"
	KeySleepMax       = "yarn.client.failover-sleep-max-ms"
	KeyAttemptTimeout = "spindle.client.failover.attempt-timeout"
)

// Policy is how a Conn fails over.
type Policy struct {
	// MaxAttempts bounds the RMs tried for one call, counting the first.
	MaxAttempts int
	// SleepBase is the pause after the first round over every RM; it
	// doubles each round, with jitter, up to SleepMax.
	SleepBase time.Duration
	SleepMax  time.Duration
	// AttemptTimeout bounds one try on one RM when there are several, so
	// that an RM cut off from the network costs this long, not the call's
	// whole deadline.
	AttemptTimeout time.Duration
}

// DefaultPolicy is the shipped timing.
func DefaultPolicy() Policy {
	return Policy{MaxAttempts: 30, SleepBase: 100 * time.Millisecond, SleepMax: 2 * time.Second, AttemptTimeout: 2 * time.Second}
}

// Validate reports the first bad field.
func (p Policy) Validate() error {
	switch {
	case p.MaxAttempts < 1:
		return fmt.Errorf("failover: %s = %d: want at least 1", KeyMaxAttempts, p.MaxAttempts)
	case p.SleepBase < 0 || p.SleepMax < p.SleepBase:
		return fmt.Errorf("failover: %s = %v and %s = %v: want 0 <= base <= max", KeySleepBase, p.SleepBase, KeySleepMax, p.SleepMax)
	case p.AttemptTimeout <= 0:
		return fmt.Errorf("failover: %s = %v: want a positive duration", KeyAttemptTimeout, p.AttemptTimeout)
	}
	return nil
}

// PolicyFrom reads the policy from loaded configuration.
func PolicyFrom(c *conf.Config) (Policy, error) {
	p := DefaultPolicy()
	n, err := c.Int(KeyMaxAttempts)
	if err != nil {
		return p, err
	}
	p.MaxAttempts = int(n)
	if p.SleepBase, err = c.Duration(KeySleepBase); err != nil {
		return p, err
	}
	if p.SleepMax, err = c.Duration(KeySleepMax); err != nil {
		return p, err
	}
	if p.AttemptTimeout, err = c.Duration(KeyAttemptTimeout); err != nil {
		return p, err
	}
	return p, p.Validate()
}

// sleep returns the pause after the round-th full round (from 1): the
// base doubled each round, capped, with up to half of it as jitter so
// that callers do not retry in step.
func (p Policy) sleep(round int) time.Duration {
	d := p.SleepBase
	for i := 1; i < round && d < p.SleepMax; i++ {
		d *= 2
	}
	d = min(d, p.SleepMax)
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}
