package conf

// Application keys of the driver's and the executors' containers, their
// failures and their tasks.
const (
	KeyExecutorInstances        = "spark.executor.instances"
	KeyExecutorCores            = "spark.executor.cores"
	KeyExecutorMemory           = "spark.executor.memory"
	KeyExecutorMemoryOverhead   = "spark.executor.memoryOverhead"
	KeyExecutorOverheadFactor   = "spark.executor.memoryOverheadFactor"
	KeyDriverMemory             = "spark.driver.memory"
	KeyDriverCores              = "spark.driver.cores"
	KeyDriverMemoryOverhead     = "spark.driver.memoryOverhead"
	KeyDriverOverheadFactor     = "spark.driver.memoryOverheadFactor"
	KeyAMMemory                 = "spark.yarn.am.memory"
	KeyAMCores                  = "spark.yarn.am.cores"
	KeyAMMemoryOverhead         = "spark.yarn.am.memoryOverhead"
	KeyExecutorEnv              = "spark.executorEnv.*"
	KeyAppMasterEnv             = "spark.yarn.appMasterEnv.*"
	KeyExecutorMaxFailures      = "spark.executor.maxNumFailures"
	KeyExecutorFailuresValidity = "spark.executor.failuresValidityInterval"
	KeyContainerLaunchTimeout   = "spark.yarn.containerLaunchTimeout"
	KeyAMHeartbeatInterval      = "spark.yarn.scheduler.heartbeat.interval-ms"
	KeyAMInitialAllocation      = "spark.yarn.scheduler.initial-allocation.interval"
	KeyAMRMUnreachableTimeout   = "spindle.am.rmUnreachableTimeout"
	KeyDriverHost               = "spark.driver.host"
	KeyDriverBindAddress        = "spark.driver.bindAddress"
	KeyDriverPort               = "spark.driver.port"
	KeyTaskMaxFailures          = "spark.task.maxFailures"
	KeyLocalityWait             = "spark.locality.wait"
	KeySpeculation              = "spark.speculation"
	KeyDynamicAllocation        = "spark.dynamicAllocation.enabled"
)

var resourceKeys = []Key{
	{Name: KeyExecutorInstances, Type: TypeInt, Min: "1", Default: "2", Group: GroupResources, Check: atMostInt32,
		Description: "Number of executors. Spindle keeps this many for the whole run and replaces those that are lost."},
	{Name: KeyExecutorCores, Type: TypeInt, Min: "1", Default: "1", Group: GroupResources, Check: atMostInt32,
		Description: "Cores (vcores) of each executor's container: the tasks it runs at once."},
	{Name: KeyExecutorMemory, Type: TypeSize, Unit: "m", Min: "1m", Default: "1g", Group: GroupResources,
		Description: "Memory of each executor, without the overhead; its Go runtime gets it as `GOMEMLIMIT`."},
	{Name: KeyExecutorMemoryOverhead, Type: TypeSize, Unit: "m", Min: "0", Alternatives: []string{"spark.yarn.executor.memoryOverhead"},
		DefaultDoc: "max(384m, spark.executor.memoryOverheadFactor × spark.executor.memory)", Group: GroupResources,
		Description: "Memory added to each executor's container; the NodeManager enforces memory plus overhead. The older name `spark.yarn.executor.memoryOverhead` is read when this one is unset."},
	{Name: KeyExecutorOverheadFactor, Type: TypeFloat, Default: "0.1", Group: GroupResources, Check: positive,
		Description: "The executors' memory overhead as a fraction of `spark.executor.memory`, at least 384 MiB, when `spark.executor.memoryOverhead` is not set."},
	{Name: KeyDriverMemory, Type: TypeSize, Unit: "m", Min: "1m", Default: "1g", Group: GroupResources,
		Description: "Memory of the driver (in cluster mode, the ApplicationMaster's container), without the overhead."},
	{Name: KeyDriverCores, Type: TypeInt, Min: "1", Default: "1", Group: GroupResources, Check: atMostInt32,
		Description: "Cores (vcores) of the driver's container in cluster mode."},
	{Name: KeyDriverMemoryOverhead, Type: TypeSize, Unit: "m", Min: "0", Alternatives: []string{"spark.yarn.driver.memoryOverhead"},
		DefaultDoc: "max(384m, spark.driver.memoryOverheadFactor × spark.driver.memory)", Group: GroupResources,
		Description: "Memory added to the driver's container in cluster mode; the NodeManager enforces memory plus overhead. The older name `spark.yarn.driver.memoryOverhead` is read when this one is unset."},
	{Name: KeyDriverOverheadFactor, Type: TypeFloat, Default: "0.1", Group: GroupResources, Check: positive,
		Description: "The driver's memory overhead as a fraction of `spark.driver.memory`, at least 384 MiB, when `spark.driver.memoryOverhead` is not set."},
	{Name: KeyAMMemory, Type: TypeSize, Unit: "m", Min: "1m", Default: "512m", Group: GroupResources,
		Description: "In client mode, memory of the ApplicationMaster's container, which only asks for executors (the driver runs on the submitting machine)."},
	{Name: KeyAMMemoryOverhead, Type: TypeSize, Unit: "m", Min: "0", DefaultDoc: "max(384m, 10% of spark.yarn.am.memory)", Group: GroupResources,
		Description: "In client mode, memory added to the ApplicationMaster's container."},
	{Name: KeyAMCores, Type: TypeInt, Min: "1", Default: "1", Group: GroupResources, Check: atMostInt32,
		Description: "In client mode, cores of the ApplicationMaster's container."},
	{Name: KeyExecutorEnv, Type: TypeString, Group: GroupResources,
		Description: "`spark.executorEnv.NAME=VALUE` sets the environment variable NAME of every executor."},
	{Name: KeyAppMasterEnv, Type: TypeString, Group: GroupResources,
		Description: "`spark.yarn.appMasterEnv.NAME=VALUE` sets the environment variable NAME of the driver in cluster mode."},
	{Name: KeyExecutorMaxFailures, Type: TypeInt, Min: "1", Alternatives: []string{"spark.yarn.max.executor.failures"},
		DefaultDoc: "max(2 × spark.executor.instances, 3)", Group: GroupResources, Check: atMostInt32,
		Description: "Executor failures after which the application fails. The older name `spark.yarn.max.executor.failures` is read when this one is unset."},
	{Name: KeyExecutorFailuresValidity, Type: TypeDuration, Unit: "ms", Min: "1ms", Alternatives: []string{"spark.yarn.executor.failuresValidityInterval"},
		DefaultDoc: "(none: every failure counts)", Group: GroupResources,
		Description: "Executor failures older than this no longer count towards `spark.executor.maxNumFailures`. The older name `spark.yarn.executor.failuresValidityInterval` is read when this one is unset."},
	{Name: KeyContainerLaunchTimeout, Type: TypeDuration, Unit: "s", Min: "1ms", Default: "120s", Group: GroupResources,
		Description: "How long an executor may take to register with the driver after its container is allocated; one that takes longer counts as failed and is replaced."},
	{Name: KeyAMHeartbeatInterval, Type: TypeDuration, Unit: "ms", Min: "1ms", Default: "1s", Group: GroupResources,
		Description: "How often the ApplicationMaster heartbeats the ResourceManager when it asks for nothing. Spark's default is 3s; Spindle's 1s notices lost executors sooner."},
	{Name: KeyAMInitialAllocation, Type: TypeDuration, Unit: "ms", Min: "1ms", Default: "100ms", Group: GroupResources,
		Description: "How often the ApplicationMaster heartbeats while executors it asked for are pending. Spark's default is 200ms; Spindle's 100ms starts executors sooner."},
	{Name: KeyAMRMUnreachableTimeout, Type: TypeDuration, Unit: "ms", Min: "1ms", Default: "60s", Group: GroupResources,
		Description: "How long the ApplicationMaster goes on without an answer from the ResourceManager before it stops its driver and exits: the RM has most likely lost its host and started another attempt, which has fenced this one off the checkpoint and the sink. Keep it above the time a supervised RM takes to restart."},
	{Name: KeyDriverHost, Type: TypeString, DefaultDoc: "the submitting machine's host name", Group: GroupResources, Check: nonEmpty,
		Description: "In client mode, the host executors reach the driver at."},
	{Name: KeyDriverBindAddress, Type: TypeString, DefaultDoc: "spark.driver.host", Group: GroupResources, Check: nonEmpty,
		Description: "In client mode, the address the driver listens on for executors."},
	{Name: KeyDriverPort, Type: TypeInt, Min: "0", Default: "0", Group: GroupResources, Check: port,
		Description: "In client mode, the port the driver listens on for executors; 0 lets the operating system choose."},
	{Name: KeyTaskMaxFailures, Type: TypeInt, Min: "1", Default: "4", Group: GroupResources, Check: atMostInt32,
		Description: "Failures of one task before the job gives up on it and the batch fails."},
	{Name: KeyLocalityWait, Type: TypeDuration, Unit: "ms", Min: "0", Default: "3s", Group: GroupResources,
		Description: "How long to wait for a data-local slot before scheduling a task less locally; 0 schedules at once."},
	{Name: KeySpeculation, Type: TypeBool, Default: "false", Group: GroupResources,
		Notice:      noticeWhenTrue("Spindle does not launch speculative copies of slow tasks; a task attempt still running after spindle.task.timeout is started once more on another executor, and a failed task is run again elsewhere up to spark.task.maxFailures times; the setting is ignored."),
		Description: "Accepted for Spark's scripts; Spindle does not run speculative tasks and warns when it is `true`."},
	{Name: "spark.speculation.*", Type: TypeString, Group: GroupResources,
		Description: "Spark's speculation settings (`spark.speculation.interval`, `.multiplier`, `.quantile`, …): accepted and unused."},
	{Name: KeyDynamicAllocation, Type: TypeBool, Default: "false", Group: GroupResources,
		Notice:      noticeWhenTrue("Spindle does not scale executors; it keeps spark.executor.instances of them for the whole run and replaces those that are lost, and spark.streaming.backpressure.enabled adapts the intake to them instead; the setting is ignored."),
		Description: "Accepted for Spark's scripts; Spindle keeps `spark.executor.instances` executors and warns when this is `true`."},
	{Name: "spark.dynamicAllocation.*", Type: TypeString, Group: GroupResources,
		Description: "Spark's other dynamic allocation settings (`minExecutors`, `maxExecutors`, …): accepted and unused."},
}
