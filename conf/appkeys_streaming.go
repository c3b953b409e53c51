package conf

// Application keys of the streaming driver: batches, checkpoints, the
// graceful stop and backpressure.
const (
	KeyDriverMode             = "spindle.driver.mode"
	KeyBatchDuration          = "spindle.streaming.batchDuration"
	KeyCheckpointDir          = "spindle.checkpoint.dir"
	KeyRetainBatches          = "spindle.checkpoint.retainBatches"
	KeyShutdownMarker         = "spindle.streaming.shutdownMarker"
	KeyMarkerPollInterval     = "spindle.streaming.shutdownMarker.pollInterval"
	KeyMoveCheckpoint         = "spindle.streaming.shutdownMarker.moveCheckpoint"
	KeyStopGracefully         = "spark.streaming.stopGracefullyOnShutdown"
	KeyGracefulStopTimeout    = "spark.streaming.gracefulStopTimeout"
	KeyConcurrentJobs         = "spark.streaming.concurrentJobs"
	KeyRetainedBatches        = "spark.streaming.ui.retainedBatches"
	KeyBackpressureEnabled    = "spark.streaming.backpressure.enabled"
	KeyBackpressureInitial    = "spark.streaming.backpressure.initialRate"
	KeyBackpressureEstimator  = "spark.streaming.backpressure.rateEstimator"
	KeyBackpressureP          = "spark.streaming.backpressure.pid.proportional"
	KeyBackpressureI          = "spark.streaming.backpressure.pid.integral"
	KeyBackpressureD          = "spark.streaming.backpressure.pid.derived"
	KeyBackpressureMinRate    = "spark.streaming.backpressure.pid.minRate"
	KeyKafkaMaxRatePartition  = "spark.streaming.kafka.maxRatePerPartition"
	KeyKafkaMinRatePartition  = "spark.streaming.kafka.minRatePerPartition"
	KeyHeartbeatInterval      = "spark.executor.heartbeatInterval"
	KeyNetworkTimeout         = "spark.network.timeout"
	KeyTaskTimeout            = "spindle.task.timeout"
	KeyMaxRecordsInFlight     = "spindle.task.maxRecordsInFlight"
	DriverModePlugin          = "plugin"
	DriverModeProcess         = "process"
	defaultStopTimeoutBatches = "10 × spindle.streaming.batchDuration"
)

var streamingKeys = []Key{
	{Name: KeyHeartbeatInterval, Type: TypeDuration, Unit: "ms", Min: "1ms", Default: "10s", Group: GroupStreaming,
		Description: "How often each executor tells the driver it is there (the driver answers); must be less than `spark.network.timeout`."},
	{Name: KeyNetworkTimeout, Type: TypeDuration, Unit: "s", Min: "1ms", Default: "30s", Group: GroupStreaming,
		Description: "How long the driver waits on an executor that sends nothing before it declares it lost, runs its tasks elsewhere and has the ApplicationMaster replace its container; an executor whose driver sends nothing this long connects again. Spark's default is 120s, sized for JVM garbage-collection pauses that Go executors do not have; Spindle's is 30s, three missed heartbeats."},
	{Name: KeyMaxRecordsInFlight, Type: TypeInt, Min: "4", Default: "32768", Group: GroupStreaming,
		Description: "The most records one task holds at once: an executor reads, processes and writes a task's range in chunks of a quarter of this, the next chunk read while the job works on one and the previous one written, so that an executor's memory grows with its cores, not with the batch (32768 keeps a task near 64 MB for 100-byte records)."},
	{Name: KeyTaskTimeout, Type: TypeDuration, Unit: "ms", Min: "1ms", DefaultDoc: "4 × spindle.streaming.batchDuration, at least 30s", Group: GroupStreaming,
		Description: "A task attempt still running after this long is started once more on another executor; the first attempt to succeed wins and the other is stopped. The overrunning attempt is not counted as a failure."},
	{Name: KeyDriverMode, Type: TypeString, Default: DriverModePlugin, Values: []string{DriverModePlugin, DriverModeProcess}, Group: GroupStreaming,
		Description: "`plugin`: the job is a Spindle job served with `sdk.Serve`, and Spindle's streaming driver runs it (every key below applies). `process`: the job binary is itself the driver program, and the application ends with its exit status."},
	{Name: KeyBatchDuration, Type: TypeDuration, Unit: "ms", Min: "1ms", Default: "1s", Group: GroupStreaming,
		Description: "The micro-batch interval, which a Spark job gives its StreamingContext in code."},
	{Name: KeyCheckpointDir, Type: TypeString, Alternatives: []string{"spark.checkpoint.dir"}, Check: nonEmpty,
		DefaultDoc: "`file://${spindle.tmp.dir}/checkpoints/<spark.app.name>`", Group: GroupStreaming,
		Description: "Where the stream's offsets, commits and state are checkpointed (`file:///…` or `hdfs://…`); a new attempt or a new submission with the same directory resumes from it. Spark's `spark.checkpoint.dir` is read when this one is unset."},
	{Name: KeyRetainBatches, Type: TypeInt, Min: "1", Default: "100", Group: GroupStreaming, Check: atMostInt32,
		Description: "How many batches each checkpoint log keeps; older entries are removed."},
	{Name: KeyShutdownMarker, Type: TypeString, DefaultDoc: "`_shutdown` in the checkpoint directory", Group: GroupStreaming, Check: nonEmpty,
		Description: "The shutdown marker: when this file appears, the application stops gracefully at a batch boundary. A relative path is within the checkpoint directory. `spindle application -stop` places it."},
	{Name: KeyMarkerPollInterval, Type: TypeDuration, Unit: "ms", Min: "1ms", Default: "10s", Group: GroupStreaming,
		Description: "How often the driver looks for the shutdown marker."},
	{Name: KeyMoveCheckpoint, Type: TypeBool, Default: "false", Group: GroupStreaming,
		Description: "After a stop by the marker, move the checkpoint directory aside, so that the next submission starts afresh."},
	{Name: KeyStopGracefully, Type: TypeBool, Default: "false", Group: GroupStreaming,
		Description: "SIGTERM to the ApplicationMaster stops the stream gracefully: no new batch is planned and the one in flight finishes and commits."},
	{Name: KeyGracefulStopTimeout, Type: TypeDuration, Unit: "ms", Min: "1ms", DefaultDoc: defaultStopTimeoutBatches, Group: GroupStreaming,
		Description: "How long a graceful stop may take; a batch cut short is replayed at the next start."},
	{Name: KeyConcurrentJobs, Type: TypeInt, Min: "1", Default: "1", Group: GroupStreaming, Check: atMostInt32, Notice: concurrentJobsNotice,
		Description: "Accepted for Spark's scripts; Spindle runs batches one at a time, each committed before the next starts, and treats a larger value as 1."},
	{Name: KeyRetainedBatches, Type: TypeInt, Min: "1", Default: "1000", Group: GroupStreaming, Check: atMostInt32,
		Description: "How many completed batches the ApplicationMaster keeps for Spark's streaming REST API (`/api/v1/streaming/batches`)."},
	{Name: KeyBackpressureEnabled, Type: TypeBool, Default: "false", Group: GroupStreaming,
		Description: "Adapt each batch's intake to how fast the previous batches were processed, with Spark's PID rate estimator."},
	{Name: KeyBackpressureInitial, Type: TypeInt, Min: "0", DefaultDoc: "(none: no limit for the first batch)", Group: GroupStreaming,
		Description: "Records per second per stream for the first batches, before the estimator has a rate."},
	{Name: KeyBackpressureEstimator, Type: TypeString, Default: "pid", Values: []string{"pid"}, Group: GroupStreaming,
		Description: "The rate estimator; `pid` is the only one, as in Spark."},
	{Name: KeyBackpressureP, Type: TypeFloat, Min: "0", Default: "1.0", Group: GroupStreaming,
		Description: "The PID estimator's proportional gain."},
	{Name: KeyBackpressureI, Type: TypeFloat, Min: "0", Default: "0.2", Group: GroupStreaming,
		Description: "The PID estimator's integral gain."},
	{Name: KeyBackpressureD, Type: TypeFloat, Min: "0", Default: "0.0", Group: GroupStreaming,
		Description: "The PID estimator's derivative gain."},
	{Name: KeyBackpressureMinRate, Type: TypeFloat, Default: "100", Group: GroupStreaming, Check: positive,
		Description: "The lowest rate, in records per second, the PID estimator gives."},
	{Name: KeyKafkaMaxRatePartition, Type: TypeInt, Min: "0", Default: "0", Group: GroupStreaming,
		Description: "Most records per second read from each Kafka partition; 0 means no limit."},
	{Name: KeyKafkaMinRatePartition, Type: TypeInt, Min: "0", Default: "1", Group: GroupStreaming,
		Description: "Fewest records per second read from each Kafka partition that has any, however backpressure splits the rate."},
}

// concurrentJobsNotice says what Spindle does with more than one
// concurrent job.
func concurrentJobsNotice(v string) string {
	if n, err := parseInt(v); err == nil && n > 1 {
		return "Spindle runs batches one at a time, each committed before the next starts, so that outputs, state and the Kafka consumer group advance in batch order; the setting is treated as 1."
	}
	return ""
}
