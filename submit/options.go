package submit

import (
	"fmt"

	"github.com/spindlehq/spindle/conf"
)

// Action is what a `spindle submit` command line asks for.
type Action int

const (
	// ActionSubmit submits the application; the default.
	ActionSubmit Action = iota
	// ActionKill kills the application named by --kill.
	ActionKill
	// ActionStatus reports the state of the application named by --status.
	ActionStatus
	// ActionHelp prints Usage (--help or -h).
	ActionHelp
	// ActionVersion prints the version (--version).
	ActionVersion
)

// String names the action as spark-submit's --verbose output does.
func (a Action) String() string {
	switch a {
	case ActionSubmit:
		return "SUBMIT"
	case ActionKill:
		return "KILL"
	case ActionStatus:
		return "REQUEST_STATUS"
	case ActionHelp:
		return "HELP"
	case ActionVersion:
		return "PRINT_VERSION"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Options is a resolved `spindle submit` command line. For ActionHelp and
// ActionVersion only Action, Verbose and Conf (empty) are set.
type Options struct {
	// Action is what the command line asks for.
	Action Action
	// Master is "yarn", meaning the RM named by yarn.resourcemanager.address
	// in the configuration directory, or "spindle://host:port".
	Master string
	// DeployMode is "cluster", where the driver runs in a container on the
	// cluster, or "client", where it runs on the submitting machine.
	DeployMode string
	// Name is the application's name; it defaults to the base name of
	// Application. It is empty for ActionKill and ActionStatus.
	Name string
	// Queue is the scheduler queue to submit to; "default" unless set.
	Queue string
	// NumExecutors is the number of executors (spark.executor.instances).
	NumExecutors int
	// ExecutorCores is the number of cores of each executor.
	ExecutorCores int
	// DriverCores is the number of cores of the driver.
	DriverCores int
	// ExecutorMemoryMB is each executor's memory in MiB, overhead excluded.
	ExecutorMemoryMB int64
	// DriverMemoryMB is the driver's memory in MiB, overhead excluded.
	DriverMemoryMB int64
	// ExecutorMemoryOverheadMB is the memory added to each executor's
	// container in MiB; 0 leaves it to the RM's rule, max(384 MiB, 10% of
	// ExecutorMemoryMB).
	ExecutorMemoryOverheadMB int64
	// DriverMemoryOverheadMB is the memory added to the driver's container
	// in MiB; 0 leaves it to the RM's rule, max(384 MiB, 10% of
	// DriverMemoryMB).
	DriverMemoryOverheadMB int64
	// Files are the files to place in each container's working directory,
	// as given (absolute or relative paths, with an optional #name), without
	// duplicates.
	Files []string
	// Archives are the archives to unpack into each container's working
	// directory, as given (with an optional #name), without duplicates.
	Archives []string
	// Supervise asks for the driver to be restarted when it fails.
	Supervise bool
	// Verbose asks for extra output while submitting.
	Verbose bool
	// AppID is the application to kill or report on, for ActionKill and
	// ActionStatus.
	AppID string
	// Application is the path of the job binary, as given.
	Application string
	// AppArgs are the arguments after Application, passed to the job as
	// given.
	AppArgs []string
	// PropertiesFile is the first properties file read: --properties-file,
	// else spindle-defaults.conf in ConfDir, else spark-defaults.conf in
	// Spark's directory; "" if none.
	PropertiesFile string
	// PropertiesFiles are every properties file read, in precedence order:
	// --properties-file, and without it or with
	// --load-spark-defaults, spindle-defaults.conf in ConfDir and
	// spark-defaults.conf in Spark's directory, those that exist.
	PropertiesFiles []string
	// ConfDir is Spindle's configuration directory: --conf-dir if given,
	// else ParseOptions.ConfDir.
	ConfDir string
	// ConfDirGiven reports whether ConfDir is --conf-dir's.
	ConfDirGiven bool
	// Conf holds every effective spark.* and spindle.* key after
	// precedence, as given: those set by --conf and the properties file,
	// and those the flags set, with the flag-mapped keys (spark.master,
	// spark.submit.deployMode, spark.app.name, spark.yarn.queue, the
	// executor and driver memory, cores and instances) always present.
	// Ignored keys are not in it. It is what the job is configured with.
	Conf map[string]string
	// Sources says, for each key of Conf, where its value came from: a
	// flag ("--executor-memory"), "--conf", a properties file's path,
	// SourceDefault, or SourceBinaryName for spark.app.name.
	Sources map[string]string
	// propertiesRead are the properties files read, in PropertiesFiles'
	// order, with their keys, for --verbose.
	propertiesRead []propertiesFile
	// Settings is Conf's application keys, each checked and parsed into its
	// type; it travels to the ApplicationMaster and the executors in the
	// launch spec. Read keys that are not set through its getters, which
	// give their defaults.
	Settings conf.AppConf
}

// Sources of Options.Sources besides flags, "--conf" and file paths.
const (
	// SourceDefault is a key's built-in default.
	SourceDefault = conf.SourceDefault
	// SourceBinaryName is spark.app.name taken from the job binary's name.
	SourceBinaryName = "the job binary's name"
	// SourceSubmit is a default spindle submit chose (SetDefault).
	SourceSubmit = "chosen by spindle submit"
)

// propertiesFile is a properties file that was read.
type propertiesFile struct {
	path  string
	props map[string]string
}

// ParseOptions says where Parse finds files.
type ParseOptions struct {
	// ConfDir is where spindle-defaults.conf is looked for when
	// --properties-file is not given (and --conf-dir does not override
	// it); "" means no defaults file.
	ConfDir string
	// SparkConfDirs name Spark's configuration directory, where
	// spark-defaults.conf is looked for whenever spindle-defaults.conf is
	// (conf.Search.Spark: SPARK_CONF_DIR, else $SPARK_HOME/conf); the first
	// entry with a Path is it.
	SparkConfDirs []conf.SearchDir
	// ReadFile reads a file; nil means os.ReadFile. A missing defaults
	// file must give an error matching fs.ErrNotExist.
	ReadFile func(name string) ([]byte, error)
}

// SetDefault sets an application key that the command line left unset, in
// Conf and in Settings, as a value submit chose for the user (such as a
// checkpoint dir under spindle.tmp.dir).
func (o *Options) SetDefault(key, value string) error {
	if err := o.Settings.Set(key, value); err != nil {
		return fmt.Errorf("%w: %s (default %q): %w", ErrInvalidValue, key, value, err)
	}
	o.Conf[key] = value
	if o.Sources == nil {
		o.Sources = map[string]string{}
	}
	o.Sources[key] = SourceSubmit
	return nil
}
