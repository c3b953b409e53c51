package driver

import (
	"fmt"
	"strconv"
	"time"

	"go.uber.org/zap"
)

// Keys the streaming driver reads from the application's configuration.
const (
	KeyDriverMode      = "spindle.driver.mode"
	KeyBatchDuration   = "spindle.streaming.batchDuration"
	KeyCheckpointDir   = "spindle.checkpoint.dir"
	KeySparkCheckpoint = "spark.checkpoint.dir"
	KeySinkPath        = "spindle.sink.path"
	KeyMarker          = "spindle.streaming.shutdownMarker"
	KeyMarkerPoll      = "spindle.streaming.shutdownMarker.pollInterval"
	KeyMoveCheckpoint  = "spindle.streaming.shutdownMarker.moveCheckpoint"
	KeyStopOnShutdown  = "spark.streaming.stopGracefullyOnShutdown"
	KeyStopTimeout     = "spark.streaming.gracefulStopTimeout"
	KeyLocalityWait    = "spark.locality.wait"
	KeyTaskMaxFailures = "spark.task.maxFailures"
	KeyConcurrentJobs  = "spark.streaming.concurrentJobs"
	// DriverModePlugin: the job is a Spindle job served with sdk.Serve, and
	// Spindle's streaming driver runs it. DriverModeProcess: the job binary
	// is itself the driver program.
	DriverModePlugin  = "plugin"
	DriverModeProcess = "process"
	// DefaultBatchDuration is spindle.streaming.batchDuration's default.
	DefaultBatchDuration = time.Second
	// defaultStopTimeoutBatches is Spark's default graceful stop bound:
	// ten batch durations.
	defaultStopTimeoutBatches = 10
	// defaultMarkerPoll is how often the shutdown marker is looked for.
	defaultMarkerPoll = 10 * time.Second
)

// DriverMode is plugin (the job is a Spindle job; Spindle's streaming
// driver runs it) or process (the job binary itself is the driver program).
func DriverMode(c map[string]string) (string, error) {
	switch m := c[KeyDriverMode]; m {
	case "", DriverModePlugin:
		return DriverModePlugin, nil
	case DriverModeProcess:
		return m, nil
	default:
		return "", fmt.Errorf("driver: %s = %q: use plugin (a job served with sdk.Serve) or process (the binary is the driver)", KeyDriverMode, m)
	}
}

// CheckpointDir is spindle.checkpoint.dir, or Spark's spark.checkpoint.dir.
func CheckpointDir(c map[string]string) string {
	if d := c[KeyCheckpointDir]; d != "" {
		return d
	}
	return c[KeySparkCheckpoint]
}

// SinkDir is spindle.sink.path, or an error when it is not set.
func SinkDir(c map[string]string) (string, error) {
	p := c[KeySinkPath]
	if p == "" {
		return "", fmt.Errorf("driver: no sink: set %s (file:///… or hdfs://…)", KeySinkPath)
	}
	return p, nil
}

// checkConcurrentJobs validates spark.streaming.concurrentJobs. Batches run
// one at a time, each committed before the next starts, so that outputs,
// state and the consumer group always advance in batch order and a replay
// after a restart is a single batch; a larger value is accepted, as
// existing scripts set it, and reported.
func checkConcurrentJobs(v string, lg *zap.Logger) error {
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return fmt.Errorf("driver: %s = %q: want a whole number of at least 1 (Spindle runs 1)", KeyConcurrentJobs, v)
	}
	if n > 1 {
		lg.Warn("batches run one at a time so that they commit in order; the setting is treated as 1",
			zap.String("key", KeyConcurrentJobs), zap.Int("value", n))
	}
	return nil
}
