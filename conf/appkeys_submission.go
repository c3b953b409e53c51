package conf

// Application keys of the submission: where the application goes, what it
// is called and how `spindle submit` behaves.
const (
	KeyMaster                  = "spark.master"
	KeyDeployMode              = "spark.submit.deployMode"
	KeyAppName                 = "spark.app.name"
	KeyQueue                   = "spark.yarn.queue"
	KeyPriority                = "spark.yarn.priority"
	KeyApplicationType         = "spark.yarn.applicationType"
	KeyTags                    = "spark.yarn.tags"
	KeyStagingDir              = "spark.yarn.stagingDir"
	KeyDistFiles               = "spark.yarn.dist.files"
	KeyFiles                   = "spark.files"
	KeyDistArchives            = "spark.yarn.dist.archives"
	KeyArchives                = "spark.archives"
	KeySupervise               = "spark.driver.supervise"
	KeySuperviseBackoff        = "spindle.driver.supervise.backoff"
	KeySuperviseMaxBackoff     = "spindle.driver.supervise.maxBackoff"
	KeyMaxAppAttempts          = "spark.yarn.maxAppAttempts"
	KeyAttemptFailuresValidity = "spark.yarn.am.attemptFailuresValidityInterval"
	KeyWaitAppCompletion       = "spark.yarn.submit.waitAppCompletion"
	KeyReportInterval          = "spark.yarn.report.interval"
	KeyEventLogEnabled         = "spark.eventLog.enabled"
	KeyEventLogDir             = "spark.eventLog.dir"
	KeyRedactionRegex          = "spark.redaction.regex"
)

// DefaultEventLogDir is spark.eventLog.dir's default, as Spark's.
const DefaultEventLogDir = "file:///tmp/spark-events"

// Deploy modes (spark.submit.deployMode).
const (
	DeployModeCluster = "cluster"
	DeployModeClient  = "client"
)

// DefaultRedactionRegex is spark.redaction.regex's default, as Spark's.
const DefaultRedactionRegex = "(?i)secret|password|token|access[.]?key"

// DefaultApplicationType is spark.yarn.applicationType's default.
const DefaultApplicationType = "SPINDLE"

var submissionKeys = []Key{
	{Name: KeyMaster, Type: TypeString, Default: "yarn", Group: GroupSubmission, Check: checkMaster,
		Description: "Where to submit: `yarn`, the ResourceManager named by `yarn.resourcemanager.address` in the configuration directory, or `spindle://host:port`, the ResourceManager at that address (`spindle://host1:port1,host2:port2` for the RMs of an HA group)."},
	{Name: KeyDeployMode, Type: TypeString, Default: DeployModeCluster, Values: []string{DeployModeCluster, DeployModeClient}, Group: GroupSubmission,
		Description: "`cluster`: the driver runs in a container on the cluster. `client`: the driver runs on the submitting machine."},
	{Name: KeyAppName, Type: TypeString, DefaultDoc: "the job binary's base name", Group: GroupSubmission, Check: nonEmpty,
		Description: "The application's name, shown in application reports."},
	{Name: KeyQueue, Type: TypeString, Default: "default", Group: GroupSubmission, Check: nonEmpty,
		Description: "The scheduler queue to submit to."},
	{Name: KeyPriority, Type: TypeInt, Default: "0", Group: GroupSubmission,
		Description: "The application's priority in its queue: the scheduler serves applications with a higher number first, and those of equal priority in the order they were submitted, as YARN's capacity scheduler does."},
	{Name: KeyApplicationType, Type: TypeString, Default: DefaultApplicationType, Group: GroupSubmission, Check: appType,
		Description: "The application type shown in application reports, by which `spindle application -list -appTypes` and the REST API's `applicationTypes` filter. Spark's default is `SPARK`; Spindle's is `SPINDLE`, so that its applications can be told apart."},
	{Name: KeyTags, Type: TypeList, Default: "", Group: GroupSubmission, Check: appTags,
		Description: "Comma-separated tags attached to the application (at most 10, each at most 100 ASCII characters), shown in application reports; `spindle application -list -appTags` and the REST API's `applicationTags` list the applications with any of the tags given."},
	{Name: KeyStagingDir, Type: TypeString, DefaultDoc: "`file://${spindle.tmp.dir}/staging`", Group: GroupSubmission, Check: nonEmpty,
		Description: "Where the job binary and the files are staged, each with its SHA-256, which the NodeManager verifies before a container starts."},
	{Name: KeyDistFiles, Type: TypeList, Default: "", Group: GroupSubmission,
		Description: "Files to place in the working directory of the driver and of each executor."},
	{Name: KeyFiles, Type: TypeList, Default: "", Group: GroupSubmission,
		Description: "More files to place in the working directories, added to `spark.yarn.dist.files`."},
	{Name: KeyDistArchives, Type: TypeList, Default: "", Group: GroupSubmission,
		Description: "Archives (.zip, .tar, .tar.gz, .tgz) to unpack into the working directory of the driver and of each executor, each in a directory of its name (`path#name` names it)."},
	{Name: KeyArchives, Type: TypeList, Default: "", Group: GroupSubmission,
		Description: "More archives to unpack, added to `spark.yarn.dist.archives`."},
	{Name: KeySupervise, Type: TypeBool, Default: "false", Group: GroupSubmission,
		Description: "Cluster mode: when the application fails its last attempt (`spark.yarn.maxAppAttempts`), the ResourceManager relaunches it with the same application id, launch spec and checkpoint after a backoff, until it succeeds or `spindle application -stop` or `-kill` ends it. Refused in client mode."},
	{Name: KeySuperviseBackoff, Type: TypeDuration, Unit: "ms", Min: "1ms", Default: "1s", Group: GroupSubmission,
		Description: "With `spark.driver.supervise`, the wait before the first relaunch; it doubles with each relaunch up to `spindle.driver.supervise.maxBackoff`, and starts again after a run longer than that."},
	{Name: KeySuperviseMaxBackoff, Type: TypeDuration, Unit: "ms", Min: "1ms", Default: "5min", Group: GroupSubmission,
		Description: "With `spark.driver.supervise`, the longest wait between relaunches; at least `spindle.driver.supervise.backoff`."},
	{Name: KeyMaxAppAttempts, Type: TypeInt, Min: "1", DefaultDoc: "the ResourceManager's `yarn.resourcemanager.am.max-attempts` (2)", Group: GroupSubmission, Check: atMostInt32,
		Description: "Attempts of the application (its driver) before it fails. The ResourceManager's `yarn.resourcemanager.am.max-attempts` is the upper limit, as in YARN."},
	{Name: KeyAttemptFailuresValidity, Type: TypeDuration, Unit: "ms", Min: "1ms", DefaultDoc: "(none: every failure counts)", Group: GroupSubmission,
		Description: "Attempt failures older than this no longer count towards `spark.yarn.maxAppAttempts`, so that a job that runs for months survives occasional failures."},
	{Name: KeyWaitAppCompletion, Type: TypeBool, Default: "true", Group: GroupSubmission,
		Description: "In cluster mode, whether `spindle submit` waits for the application to finish, reporting its state, or exits once it is accepted."},
	{Name: KeyReportInterval, Type: TypeDuration, Unit: "ms", Min: "1ms", Default: "1s", Group: GroupSubmission,
		Description: "How often `spindle submit` reports the application's state while it waits."},
	{Name: KeyEventLogEnabled, Type: TypeBool, Default: "false", Group: GroupSubmission,
		Description: "Whether the ApplicationMaster writes its batch statistics and executor events as an event log to `spark.eventLog.dir`, from which the ResourceManager (`spark.history.fs.logDirectory`) or `spindle history` serves the Streaming tab after the application ends."},
	{Name: KeyEventLogDir, Type: TypeString, Default: DefaultEventLogDir, Group: GroupSubmission, Check: nonEmpty,
		Description: "Where event logs are written: a `file://` or `hdfs://` directory, one subdirectory per application."},
	{Name: KeyRedactionRegex, Type: TypeString, Default: DefaultRedactionRegex, Group: GroupSubmission, Check: checkRegexp,
		Description: "Keys whose name or value this regular expression matches have their value shown as `*********(redacted)` by `spindle submit --verbose`, as in Spark. Go's syntax (RE2), which is Java's without backreferences and lookaround."},
	{Name: "spark.eventLog.*", Type: TypeString, Group: GroupSubmission,
		Description: "Spark's other event log settings (`spark.eventLog.compress`, `spark.eventLog.rolling.*`, …): accepted and unused; Spindle's event log is compacted by itself."},
}
