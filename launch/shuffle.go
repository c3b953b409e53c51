package launch

// Environment of executors running keyed stages.
const (
	// EnvLocalDirs is the application's local dirs on the node
	// (<local-dir>/<appId>, comma-separated), as YARN's LOCAL_DIRS: where
	// executors write map outputs, which outlive their containers.
	EnvLocalDirs = "LOCAL_DIRS"
	// EnvShuffleServiceAddress is the node's spark_shuffle service,
	// host:port; unset when the NodeManager runs none.
	EnvShuffleServiceAddress = "SPINDLE_SHUFFLE_SERVICE_ADDRESS"
	// EnvShuffleSecret is the application's shuffle secret (base64),
	// which its executors sign fetches with; the AM gives the same secret
	// to each NodeManager as the spark_shuffle service data.
	EnvShuffleSecret = "SPINDLE_SHUFFLE_SECRET"
)
