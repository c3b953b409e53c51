package submit

// KeyType says how a key's value is checked and read.
type KeyType string

const (
	// TypeString is any text.
	TypeString KeyType = "string"
	// TypeBool is true or false, in any case.
	TypeBool KeyType = "bool"
	// TypeCount is a whole number of at least 1.
	TypeCount KeyType = "count"
	// TypeMemory is a size of at least 1 MiB; a bare number is MiB.
	TypeMemory KeyType = "memory"
	// TypeOverhead is a size of memory added to a container; a bare number
	// is MiB, and 0 means the RM's default rule.
	TypeOverhead KeyType = "overhead"
	// TypeDuration is a duration of more than 0; a bare number is
	// milliseconds.
	TypeDuration KeyType = "duration"
	// TypeWait is a duration of 0 or more; a bare number is milliseconds.
	TypeWait KeyType = "wait"
	// TypeList is a comma-separated list.
	TypeList KeyType = "list"
)

// KeyDoc describes a key Spindle honours at submit time.
type KeyDoc struct {
	// Name is the key.
	Name string
	// Default is the default as the documentation shows it: a value, or a
	// rule in words.
	Default string
	// Meaning says what the key does in Spindle.
	Meaning string
	// Type is how the value is checked when parsing and read by the typed
	// getters.
	Type KeyType
	// Value is the default the getters return when the key is unset, ""
	// when the default is a rule or there is none. It may contain ${...}
	// references to Spindle's configuration, left unexpanded.
	Value string
	// Flag is the spark-submit flag that sets the key, or "".
	Flag string
	// Alias is an older name of the key, read when the key is unset.
	Alias string
}

// Keys is every spark.* key Spindle honours at submit time, with Spark's
// defaults unless Spindle's differ. Parse checks each one that is set
// against its Type; the documentation's table is generated from it.
var Keys = []KeyDoc{
	{Name: "spark.master", Flag: flagMaster, Type: TypeString, Default: "yarn", Value: "yarn",
		Meaning: "Where to submit: `yarn`, the RM named by `yarn.resourcemanager.address` in the configuration directory, or `spindle://host:port`, the RM at that address."},
	{Name: "spark.submit.deployMode", Flag: flagDeployMode, Type: TypeString, Default: "cluster", Value: "cluster",
		Meaning: "`cluster`: the driver runs in a container on the cluster. `client`: the driver runs on the submitting machine."},
	{Name: "spark.app.name", Flag: flagName, Type: TypeString, Default: "the job binary's base name",
		Meaning: "The application's name, shown in application reports."},
	{Name: "spark.yarn.queue", Flag: flagQueue, Type: TypeString, Default: "default", Value: "default",
		Meaning: "The scheduler queue to submit to."},
	{Name: "spark.executor.instances", Flag: flagNumExecutors, Type: TypeCount, Default: "2", Value: "2",
		Meaning: "Number of executors."},
	{Name: "spark.executor.cores", Flag: flagExecutorCores, Type: TypeCount, Default: "1", Value: "1",
		Meaning: "Cores (vcores) of each executor's container."},
	{Name: "spark.executor.memory", Flag: flagExecutorMemory, Type: TypeMemory, Default: "1g", Value: "1g",
		Meaning: "Memory of each executor, without the overhead."},
	{Name: "spark.executor.memoryOverhead", Type: TypeOverhead, Alias: "spark.yarn.executor.memoryOverhead",
		Default: "max(384m, 10% of spark.executor.memory)",
		Meaning: "Memory added to each executor's container; the NodeManager enforces memory plus overhead."},
	{Name: "spark.yarn.executor.memoryOverhead", Type: TypeOverhead, Default: "max(384m, 10% of spark.executor.memory)",
		Meaning: "Older name of `spark.executor.memoryOverhead`, read when that is unset."},
	{Name: "spark.driver.memory", Flag: flagDriverMemory, Type: TypeMemory, Default: "1g", Value: "1g",
		Meaning: "Memory of the driver, without the overhead."},
	{Name: "spark.driver.cores", Flag: flagDriverCores, Type: TypeCount, Default: "1", Value: "1",
		Meaning: "Cores (vcores) of the driver's container."},
	{Name: "spark.driver.memoryOverhead", Type: TypeOverhead, Alias: "spark.yarn.driver.memoryOverhead",
		Default: "max(384m, 10% of spark.driver.memory)",
		Meaning: "Memory added to the driver's container; the NodeManager enforces memory plus overhead."},
	{Name: "spark.yarn.driver.memoryOverhead", Type: TypeOverhead, Default: "max(384m, 10% of spark.driver.memory)",
		Meaning: "Older name of `spark.driver.memoryOverhead`, read when that is unset."},
	{Name: "spark.driver.supervise", Flag: flagSupervise, Type: TypeBool, Default: "false", Value: "false",
		Meaning: "Restart the driver when it fails."},
	{Name: "spark.yarn.dist.files", Flag: flagFiles, Type: TypeList, Default: "(none)",
		Meaning: "Files to place in the working directory of the driver and of each executor."},
	{Name: "spark.files", Type: TypeList, Default: "(none)",
		Meaning: "More files to place in the working directories, added to `spark.yarn.dist.files`."},
	{Name: "spark.yarn.dist.archives", Flag: flagArchives, Type: TypeList, Default: "(none)",
		Meaning: "Archives (.zip, .tar, .tar.gz, .tgz) to unpack into the working directory of the driver and of each executor, each in a directory of its name (`path#name` names it)."},
	{Name: "spark.archives", Type: TypeList, Default: "(none)",
		Meaning: "More archives to unpack, added to `spark.yarn.dist.archives`."},
	{Name: "spark.yarn.maxAppAttempts", Type: TypeCount, Default: "the RM's `yarn.resourcemanager.am.max-attempts` (2)",
		Meaning: "Attempts of the application (its driver) before it fails. The RM's `yarn.resourcemanager.am.max-attempts` is the upper limit, as in YARN."},
	{Name: "spark.yarn.am.attemptFailuresValidityInterval", Type: TypeDuration, Default: "(none: every failure counts)",
		Meaning: "Attempt failures older than this no longer count towards `spark.yarn.maxAppAttempts`, so that a job that runs for months survives occasional failures."},
	{Name: "spark.executor.maxNumFailures", Type: TypeCount, Alias: "spark.yarn.max.executor.failures",
		Default: "max(2 × spark.executor.instances, 3)",
		Meaning: "Executor failures after which the application fails."},
	{Name: "spark.yarn.max.executor.failures", Type: TypeCount, Default: "max(2 × spark.executor.instances, 3)",
		Meaning: "Older name of `spark.executor.maxNumFailures`, read when that is unset."},
	{Name: "spark.executor.failuresValidityInterval", Type: TypeDuration, Alias: "spark.yarn.executor.failuresValidityInterval",
		Default: "(none: every failure counts)",
		Meaning: "Executor failures older than this no longer count towards `spark.executor.maxNumFailures`."},
	{Name: "spark.yarn.executor.failuresValidityInterval", Type: TypeDuration, Default: "(none: every failure counts)",
		Meaning: "Older name of `spark.executor.failuresValidityInterval`, read when that is unset."},
	{Name: "spark.yarn.containerLaunchTimeout", Type: TypeDuration, Default: "120s", Value: "120s",
		Meaning: "How long an executor may take to register with the driver after its container is allocated; one that takes longer counts as failed and is replaced."},
	{Name: "spark.yarn.submit.waitAppCompletion", Type: TypeBool, Default: "true", Value: "true",
		Meaning: "In cluster mode, whether `spindle submit` waits for the application to finish, reporting its state, or exits once it is accepted."},
	{Name: "spark.yarn.report.interval", Type: TypeDuration, Default: "1s", Value: "1s",
		Meaning: "How often `spindle submit` reports the application's state while it waits."},
	{Name: "spark.yarn.stagingDir", Type: TypeString, Default: "file://${spindle.tmp.dir}/staging", Value: "file://${spindle.tmp.dir}/staging",
		Meaning: "Where the job binary and the files are staged, each with its SHA-256, which the NodeManager verifies before a container starts."},
	{Name: "spark.yarn.tags", Type: TypeList, Default: "(none)",
		Meaning: "Comma-separated tags attached to the application, shown in application reports."},
	{Name: "spark.task.maxFailures", Type: TypeCount, Default: "4", Value: "4",
		Meaning: "Failures of one task before the job gives up on it."},
	{Name: "spark.locality.wait", Type: TypeWait, Default: "3s", Value: "3s",
		Meaning: "How long to wait for a data-local slot before scheduling a task less locally; 0 schedules at once."},
}

// keysByName indexes Keys by name.
var keysByName = func() map[string]*KeyDoc {
	m := make(map[string]*KeyDoc, len(Keys))
	for i := range Keys {
		m[Keys[i].Name] = &Keys[i]
	}
	return m
}()
