package driver

import (
	"fmt"
	"time"

	"github.com/spindlehq/spindle/conf"
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
		return fmt.Errorf("driver: %s = %v and %s = %v must be positive", conf.KeyHeartbeatInterval, l.HeartbeatInterval, conf.KeyNetworkTimeout, l.NetworkTimeout)
	}
	if l.HeartbeatInterval >= l.NetworkTimeout {
		return fmt.Errorf("driver: %s = %v must be less than %s = %v, or every executor would be declared lost between two heartbeats",
			conf.KeyHeartbeatInterval, l.HeartbeatInterval, conf.KeyNetworkTimeout, l.NetworkTimeout)
	}
	return nil
}

// LivenessFromApp reads spark.executor.heartbeatInterval and
// spark.network.timeout as submit parsed them.
func LivenessFromApp(a conf.AppConf) Liveness {
	return Liveness{HeartbeatInterval: a.Duration(conf.KeyHeartbeatInterval), NetworkTimeout: a.Duration(conf.KeyNetworkTimeout)}
}

// DefaultTaskTimeout is spindle.task.timeout unless set: four batch
// durations, at least 30 s. A task normally ends well within one batch
// duration; one still running after four holds every later batch up.
func DefaultTaskTimeout(batch time.Duration) time.Duration {
	return max(taskTimeoutBatches*batch, minTaskTimeout)
}

// TaskTimeoutFromApp is spindle.task.timeout, or DefaultTaskTimeout(batch)
// when it is unset.
func TaskTimeoutFromApp(a conf.AppConf, batch time.Duration) time.Duration {
	if a.IsSet(conf.KeyTaskTimeout) {
		return a.Duration(conf.KeyTaskTimeout)
	}
	return DefaultTaskTimeout(batch)
}
