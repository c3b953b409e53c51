package launch

// Environment a NodeManager gives every container, as YARN's
// ApplicationConstants.Environment; it overrides the launch context's.
const (
	// EnvContainerID is the container's id.
	EnvContainerID = "CONTAINER_ID"
	// EnvApplicationID is the id of the container's application.
	EnvApplicationID = "APPLICATION_ID"
	// EnvNMHost is the host of the container's NodeManager.
	EnvNMHost = "NM_HOST"
	// EnvNMPort is the port of the NodeManager's ContainerManagement service.
	EnvNMPort = "NM_PORT"
	// EnvNMAddress is the NodeManager's node id, host:port.
	EnvNMAddress = "NM_ADDRESS"
	// EnvNMHTTPAddress is the NodeManager's web address.
	EnvNMHTTPAddress = "NM_HTTP_ADDRESS"
	// EnvPWD is the container's working directory.
	EnvPWD = "PWD"
	// EnvLogDirs is the container's log directory, where stdout and stderr
	// are written.
	EnvLogDirs = "LOG_DIRS"
	// EnvLogDir is the same log directory, for the framework's and the
	// job's own log files (spindle.log, app.log) beside stdout and stderr,
	// where the log endpoints serve them.
	EnvLogDir = "SPINDLE_LOG_DIR"
	// EnvGoMemLimit is the Go runtime's soft memory limit: the memory part
	// of the allocation, overhead excluded, as the JVM gets -Xmx.
	EnvGoMemLimit = "GOMEMLIMIT"
	// EnvContainerMemoryMB is the whole allocation in MiB, overhead
	// included.
	EnvContainerMemoryMB = "SPINDLE_CONTAINER_MEMORY_MB"
)

// BinaryVar in a container command is replaced by the NodeManager's own
// spindle binary, as YARN expands {{JAVA_HOME}}, so that `spindle
// appmaster` and `spindle executor` are the same binary as the daemons.
const BinaryVar = "{{SPINDLE_BINARY}}"

// Environment the ResourceManager gives a managed ApplicationMaster.
const (
	// EnvAttemptToken carries the attempt token (base64 of its protobuf).
	EnvAttemptToken = "SPINDLE_ATTEMPT_TOKEN"
	// EnvRMAddress is the ResourceManager's ApplicationMaster service address.
	EnvRMAddress = "SPINDLE_RM_ADDRESS"
	// EnvAttemptID is the attempt id, e.g. appattempt_…_000002.
	EnvAttemptID = "APPLICATION_ATTEMPT_ID"
	// EnvMaxAttempts is the attempt limit, so the AM can tell its last attempt.
	EnvMaxAttempts = "SPINDLE_MAX_APP_ATTEMPTS"
)

// Environment that carries the launch spec's own staged copy, set by
// `spindle submit` on the AM's container, so that the AM can localize it
// into executors too.
const (
	EnvSpecURI    = "SPINDLE_SPEC_URI"
	EnvSpecSHA256 = "SPINDLE_SPEC_SHA256"
	EnvSpecSize   = "SPINDLE_SPEC_SIZE"
)

// Environment of the driver and of executors.
const (
	// EnvRole is RoleDriver or RoleExecutor: what the job binary is started as.
	EnvRole = "SPINDLE_ROLE"
	// EnvDriverAddress is the driver's Task endpoint, host:port.
	EnvDriverAddress = "SPINDLE_DRIVER_ADDRESS"
	// EnvExecutorID is the executor's id, e.g. 1.
	EnvExecutorID = "SPINDLE_EXECUTOR_ID"
	// EnvExecutorCores is the number of tasks an executor runs at once.
	EnvExecutorCores = "SPINDLE_EXECUTOR_CORES"
)

// Values of EnvRole.
const (
	RoleDriver   = "driver"
	RoleExecutor = "executor"
)
