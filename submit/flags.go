package submit

import "github.com/spindlehq/spindle/conf"

// flagSpec describes one flag of `spindle submit`.
type flagSpec struct {
	// name is the long form, such as "--master".
	name string
	// short is the one-letter alias, such as "-c", or "".
	short string
	// arg is the placeholder of the flag's value; "" for a switch.
	arg string
	// key is the configuration key the flag sets, or "".
	key string
	// help is one line for Usage and the documentation.
	help string
	// ignored says what kind of option Spindle ignores it as ("a JVM
	// option"); "" for a flag Spindle honours.
	ignored string
}

// Names of the flags that Parse handles itself.
const (
	flagMaster            = "--master"
	flagDeployMode        = "--deploy-mode"
	flagName              = "--name"
	flagQueue             = "--queue"
	flagNumExecutors      = "--num-executors"
	flagExecutorCores     = "--executor-cores"
	flagExecutorMemory    = "--executor-memory"
	flagDriverMemory      = "--driver-memory"
	flagDriverCores       = "--driver-cores"
	flagConf              = "--conf"
	flagPropertiesFile    = "--properties-file"
	flagLoadSparkDefaults = "--load-spark-defaults"
	flagFiles             = "--files"
	flagArchives          = "--archives"
	flagSupervise         = "--supervise"
	flagKill              = "--kill"
	flagStatus            = "--status"
	flagConfDir           = "--conf-dir"
	flagVerbose           = "--verbose"
	flagHelp              = "--help"
	flagVersion           = "--version"
)

// Reasons given in warnings about ignored flags: the kinds of option the
// ignored keys are too (conf.Ignored*), and those only flags are.
const (
	reasonJVM        = conf.IgnoredJVM
	reasonPython     = conf.IgnoredPython
	reasonKerberos   = conf.IgnoredKerberos
	reasonProxy      = "a Hadoop impersonation option"
	reasonStandalone = "a Spark standalone option"
	reasonConnect    = "a Spark Connect option"
)

// flags is every flag `spindle submit` accepts, in the order Usage and the
// documentation list them: spark-submit's, whether honoured or ignored, and
// Spindle's --conf-dir.
var flags = []flagSpec{
	{name: flagMaster, arg: "MASTER_URL", key: "spark.master",
		help: "yarn (the RM named by yarn.resourcemanager.address in the configuration directory) or spindle://host:port."},
	{name: flagDeployMode, arg: "DEPLOY_MODE", key: "spark.submit.deployMode",
		help: "cluster (the driver runs in a container on the cluster) or client (the driver runs here)."},
	{name: flagName, arg: "NAME", key: "spark.app.name",
		help: "The application's name."},
	{name: flagQueue, arg: "QUEUE_NAME", key: "spark.yarn.queue",
		help: "The queue to submit to."},
	{name: flagNumExecutors, arg: "NUM", key: "spark.executor.instances",
		help: "Number of executors to launch."},
	{name: flagExecutorCores, arg: "NUM", key: "spark.executor.cores",
		help: "Cores per executor."},
	{name: flagExecutorMemory, arg: "MEM", key: "spark.executor.memory",
		help: "Memory per executor (e.g. 1000M, 2G; a bare number is MiB)."},
	{name: flagDriverMemory, arg: "MEM", key: "spark.driver.memory",
		help: "Memory for the driver (e.g. 1000M, 2G; a bare number is MiB)."},
	{name: flagDriverCores, arg: "NUM", key: "spark.driver.cores",
		help: "Cores for the driver."},
	{name: flagConf, short: "-c", arg: "PROP=VALUE",
		help: "Set a spark.* or spindle.* key; repeatable. Other keys are ignored with a warning."},
	{name: flagPropertiesFile, arg: "FILE",
		help: "Read keys from FILE instead of spindle-defaults.conf (in Spindle's configuration directory) and spark-defaults.conf (in $SPARK_CONF_DIR or $SPARK_HOME/conf)."},
	{name: flagLoadSparkDefaults,
		help: "With --properties-file, also read spindle-defaults.conf and spark-defaults.conf; FILE wins over them, and spindle-defaults.conf over spark-defaults.conf."},
	{name: flagFiles, arg: "FILES", key: "spark.yarn.dist.files",
		help: "Comma-separated files to place in the working directory of the driver and of each executor."},
	{name: flagArchives, arg: "ARCHIVES", key: "spark.yarn.dist.archives",
		help: "Comma-separated archives (.zip, .tar, .tar.gz, .tgz) to unpack into the working directory of the driver and of each executor; path#name names the directory."},
	{name: flagSupervise, key: "spark.driver.supervise",
		help: "If given, relaunches the application when it fails its last attempt, until it is stopped (cluster mode)."},
	{name: flagKill, arg: "APP_ID",
		help: "Kill the application APP_ID (application_<timestamp>_<seq>); needs no job binary."},
	{name: flagStatus, arg: "APP_ID",
		help: "Report the state of the application APP_ID; needs no job binary."},
	{name: flagConfDir, arg: "DIR",
		help: "Spindle's configuration directory (spindle-defaults.conf, and yarn-site.xml before $YARN_CONF_DIR's, $HADOOP_CONF_DIR's or $HADOOP_HOME/etc/hadoop's). Default: $SPINDLE_CONF_DIR."},
	{name: flagVerbose, short: "-v",
		help: "Print the properties files and configuration files read, the parsed arguments, and every key with where its value came from."},
	{name: flagHelp, short: "-h",
		help: "Show this help message and exit."},
	{name: flagVersion,
		help: "Print the version and exit."},

	{name: "--class", arg: "CLASS_NAME", ignored: reasonJVM,
		help: "The application's main class."},
	{name: "--jars", arg: "JARS", ignored: reasonJVM,
		help: "Jars to put on the driver and executor classpaths."},
	{name: "--packages", arg: "PACKAGES", ignored: reasonJVM,
		help: "Maven coordinates of jars to put on the classpaths."},
	{name: "--exclude-packages", arg: "PACKAGES", ignored: reasonJVM,
		help: "groupId:artifactId pairs to leave out of --packages."},
	{name: "--repositories", arg: "REPOSITORIES", ignored: reasonJVM,
		help: "Maven repositories to search for --packages."},
	{name: "--driver-java-options", arg: "OPTIONS", ignored: reasonJVM,
		help: "Extra Java options for the driver."},
	{name: "--driver-library-path", arg: "PATH", ignored: reasonJVM,
		help: "Extra native library path for the driver's JVM."},
	{name: "--driver-class-path", arg: "PATH", ignored: reasonJVM,
		help: "Extra classpath entries for the driver."},
	{name: "--py-files", arg: "PY_FILES", ignored: reasonPython,
		help: "Python files to put on the PYTHONPATH."},
	{name: "--principal", arg: "PRINCIPAL", ignored: reasonKerberos,
		help: "Kerberos principal to log in as."},
	{name: "--keytab", arg: "KEYTAB", ignored: reasonKerberos,
		help: "Kerberos keytab of --principal."},
	{name: "--proxy-user", arg: "NAME", ignored: reasonProxy,
		help: "User to impersonate when submitting."},
	{name: "--total-executor-cores", arg: "NUM", ignored: reasonStandalone,
		help: "Total cores of all executors; use --num-executors and --executor-cores."},
	{name: "--remote", arg: "CONNECT_URL", ignored: reasonConnect,
		help: "URL of a Spark Connect server."},
}

// flagsByName indexes flags by long and short name.
var flagsByName = func() map[string]*flagSpec {
	m := make(map[string]*flagSpec, 2*len(flags))
	for i := range flags {
		m[flags[i].name] = &flags[i]
		if flags[i].short != "" {
			m[flags[i].short] = &flags[i]
		}
	}
	return m
}()

// closestFlag returns the known flag name nearest to name by edit distance.
func closestFlag(name string) string {
	best, bestDist := "", -1
	for _, f := range flags {
		for _, n := range []string{f.name, f.short} {
			if n == "" {
				continue
			}
			if d := conf.EditDistance(name, n); bestDist < 0 || d < bestDist {
				best, bestDist = n, d
			}
		}
	}
	return best
}
