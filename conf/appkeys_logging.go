package conf

// Application keys of the logs of the ApplicationMaster and executors.
const (
	KeyAppFrameworkLogLevel = "spindle.log.level"
	KeyAppJobLogLevel       = "spindle.log.app.level"
	KeySparkLogLevel        = "spark.log.level"
)

// Log levels: the framework's (zap's) and a job's (Spark's, as log4j's).
var (
	frameworkLogLevels = []string{"debug", "info", "warn", "error"}
	sparkLogLevels     = []string{"ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF"}
)

var appLogKeys = []Key{
	{Name: KeyAppFrameworkLogLevel, Type: TypeString, Default: "info", Group: GroupLogging, Values: frameworkLogLevels, FoldCase: true,
		Description: "Level of the framework's log (`spindle.log` in the container's log directory) in the application's ApplicationMaster and executors. A `spindle-log.properties` file shipped with `--files` may set it as `level=…`; this key wins over the file. The daemons' own level is the daemon key of the same name."},
	{Name: KeyAppJobLogLevel, Type: TypeString, DefaultDoc: "spark.log.level", Group: GroupLogging, Values: sparkLogLevels, FoldCase: true,
		Description: "Level of the job's own log (the container's `app.log`) in the application's ApplicationMaster and executors, overriding `spark.log.level`. A `spindle-log.properties` file shipped with `--files` may set it as `app.level=…`; this key wins over the file."},
	{Name: KeySparkLogLevel, Type: TypeString, Default: "INFO", Group: GroupLogging, Values: sparkLogLevels, FoldCase: true,
		Description: "Level of the job's logger, as Spark's: `ALL`, `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL` or `OFF`, in any case."},
}
