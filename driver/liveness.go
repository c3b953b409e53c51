package driver

import (
	"fmt"
	"time"

	"github.com/spindlehq/spindle/conf"
)

// Keys of executor liveness and of the task time bound.
const (
	KeyHeartbeatInterval = "spark.executor.heartbeatInterval"
	KeyNetworkTimeout    = "spark.network.timeout"
	KeyTaskTimeout       = "spindle.task.timeout"
)

const (
	// DefaultHeartbeatInterval is Spark's spark.executor.heartbeatInterval.
	DefaultHeartbeatInterval = 10 * time.Second
	// DefaultNetworkTimeout is Spindle's spark.network.timeout. Spark's
	// 120 s covers JVM garbage collection pauses of tens of seconds; a Go
	// executor has none, and a streaming job whose batches last seconds
	// should not wait two minutes for a silent executor's tasks. 30 s is
	// three missed heartbeats at the default interval.
	DefaultNetworkTimeout = 30 * time.Second
	// taskTimeoutBatches and minTaskTimeout make spindle.task.timeout's
	// default: four batch durations, at least 30 s.
	taskTimeoutBatches = 4
	minTaskTimeout     = 30 * time.Second
)

// Liveness is how executors and the driver learn that the other is gone.
type Liveness struct {
	// HeartbeatInterval is spark.executor.heartbeatInterval: how often an
	// executor tells the driver it is there (and the driver answers).
	HeartbeatInterval time.Duration
	// NetworkTimeout is spark.network.timeout: the driver declares an
	// executor lost that has sent nothing for this long, and an executor
	// whose driver has answered nothing for this long connects again.
	NetworkTimeout time.Duration
}

// DefaultLiveness returns the defaults above.
func DefaultLiveness() Liveness {
	return Liveness{HeartbeatInterval: DefaultHeartbeatInterval, NetworkTimeout: DefaultNetworkTimeout}
}

// Validate reports the first invalid field.
func (l Liveness) Validate() error {
	if l.HeartbeatInterval <= 0 || l.NetworkTimeout <= 0 {
		return fmt.Errorf("driver: %s = %v and %s = %v must be positive", KeyHeartbeatInterval, l.HeartbeatInterval, KeyNetworkTimeout, l.NetworkTimeout)
	}
	if l.HeartbeatInterval >= l.NetworkTimeout {
		return fmt.Errorf("driver: %s = %v must be less than %s = %v, or every executor would be declared lost between two heartbeats",
			KeyHeartbeatInterval, l.HeartbeatInterval, KeyNetworkTimeout, l.NetworkTimeout)
	}
	return nil
}

// LivenessFromConf reads spark.executor.heartbeatInterval (a bare number
// is milliseconds) and spark.network.timeout (a bare number is seconds),
// as Spark reads them.
func LivenessFromConf(c map[string]string) (Liveness, error) {
	l := DefaultLiveness()
	var err error
	if l.HeartbeatInterval, err = positiveDuration(c, KeyHeartbeatInterval, l.HeartbeatInterval, time.Millisecond, "10s"); err != nil {
		return l, err
	}
	if l.NetworkTimeout, err = positiveDuration(c, KeyNetworkTimeout, l.NetworkTimeout, time.Second, "30s"); err != nil {
		return l, err
	}
	return l, l.Validate()
}

// DefaultTaskTimeout is spindle.task.timeout unless set: four batch
// durations, at least 30 s. A task normally ends well within one batch
// duration; one still running after four holds every later batch up.
func DefaultTaskTimeout(batch time.Duration) time.Duration {
	return max(taskTimeoutBatches*batch, minTaskTimeout)
}

// TaskTimeoutFromConf reads spindle.task.timeout (a bare number is
// milliseconds), defaulting to DefaultTaskTimeout(batch).
func TaskTimeoutFromConf(c map[string]string, batch time.Duration) (time.Duration, error) {
	return positiveDuration(c, KeyTaskTimeout, DefaultTaskTimeout(batch), time.Millisecond, "2min")
}

// positiveDuration reads key as a positive duration, def when unset.
func positiveDuration(c map[string]string, key string, def, unit time.Duration, example string) (time.Duration, error) {
	v, ok := c[key]
	if !ok || v == "" {
		return def, nil
	}
	d, err := conf.ParseDuration(v, unit)
	if err != nil || d <= 0 {
		bare := "milliseconds"
		if unit == time.Second {
			bare = "seconds"
		}
		return 0, fmt.Errorf("driver: %s = %q: want a positive duration such as %s (a bare number is %s)", key, v, example, bare)
	}
	return d, nil
}
