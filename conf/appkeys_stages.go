package conf

// Application keys of keyed stages: the shuffle between executors and the
// keyed state kept on them.
const (
	KeyDefaultParallelism      = "spark.default.parallelism"
	KeyShuffleServiceEnabled   = "spark.shuffle.service.enabled"
	KeyShuffleServicePort      = "spark.shuffle.service.port"
	KeyStageMaxAttempts        = "spark.stage.maxConsecutiveAttempts"
	KeyStateCheckpointInterval = "spindle.state.checkpointInterval"
	defaultParallelismDoc      = "max(2, spark.executor.instances × spark.executor.cores)"
)

var stagesKeys = []Key{
	{Name: KeyDefaultParallelism, Type: TypeInt, Min: "1", DefaultDoc: defaultParallelismDoc, Group: GroupStages, Check: atMostInt32,
		Description: "The number of reduce partitions of a keyed stage (reduceByKey, groupByKey, join, updateStateByKey, mapWithState, reduceByKeyAndWindow) that does not set its own, as in Spark's DStream API. A stage that keeps state keeps the number its checkpoint started with. Spark SQL's `spark.sql.shuffle.partitions` is not read: Spindle's keyed stages are DStream operations, which Spark partitions by this key."},
	{Name: KeyShuffleServiceEnabled, Type: TypeBool, Default: "true", Group: GroupStages,
		Notice:      noticeWhenFalse("without the NodeManagers' shuffle service, a map output is served only by the executor that wrote it, and is written again from its Kafka offsets when that executor is lost"),
		Description: "Reduce tasks fetch map outputs from the NodeManagers' `spark_shuffle` service (`yarn.nodemanager.aux-services`), which serves them after the executor that wrote them is gone; `false` fetches them from that executor only. Spark's default is `false`; every Spindle NodeManager runs the service unless its configuration removes it."},
	{Name: KeyShuffleServicePort, Type: TypeInt, Min: "0", Default: "7337", Group: GroupStages, Check: port,
		Notice: func(string) string {
			return "the shuffle service's port is the NodeManagers' own setting, which their executors are told; the application's value is not used"
		},
		Description: "Accepted for Spark's scripts: the port is set in the NodeManagers' configuration, and each executor is told its NodeManager's."},
	{Name: KeyStageMaxAttempts, Type: TypeInt, Min: "1", Default: "4", Group: GroupStages, Check: atMostInt32,
		Description: "How many times a batch's reduce stage is attempted when reduce tasks cannot fetch map outputs (their node or its disk is gone): each time, the map tasks whose outputs were lost run again from their Kafka offsets. Past it, the batch fails."},
	{Name: KeyStateCheckpointInterval, Type: TypeDuration, Unit: "ms", Min: "1ms", DefaultDoc: "the smallest multiple of spindle.streaming.batchDuration of at least 10s", Group: GroupStages,
		Description: "How often each partition of a keyed stage's state is checkpointed to the checkpoint directory, as a DStream's `checkpoint(interval)`. State lost with its executor is rebuilt from the last checkpoint and the batches after it, whose map outputs are kept (or written again) until the next checkpoint; `spindle.checkpoint.retainBatches` must cover two intervals."},
}
