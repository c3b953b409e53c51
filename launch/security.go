package launch

// Environment that carries a container's credentials. None of it lets a
// container sign anything: the cluster CA's certificate is public, an AM's
// certificate is its own, and an application's secret authenticates that
// application's driver and executors to each other only.
const (
	// EnvClusterCA is the cluster CA's certificate (PEM), which the AM
	// verifies the ResourceManager and NodeManagers against.
	EnvClusterCA = "SPINDLE_TLS_CA"
	// EnvAMCert and EnvAMKey are the AM's certificate (PEM, with the
	// application CA after it) and key, for its web endpoints.
	EnvAMCert = "SPINDLE_AM_TLS_CERT"
	EnvAMKey  = "SPINDLE_AM_TLS_KEY"
	// EnvViewACL is who may read the AM's web endpoints, in YARN's ACL
	// notation; unset when ACLs are off.
	EnvViewACL = "SPINDLE_APP_VIEW_ACL"
	// EnvInsecurePlaintext is "true" on a cluster without TLS
	// (spindle.tls.insecure-plaintext).
	EnvInsecurePlaintext = "SPINDLE_TLS_INSECURE_PLAINTEXT"
	// EnvAppSecret is the application's secret (base64), from which its
	// driver and executors derive the Task endpoint's TLS key
	// (spark.authenticate).
	EnvAppSecret = "SPINDLE_APP_SECRET"
)

// Environment of a container that runs as its own OS user, as YARN's.
const (
	// EnvUser and EnvLogname are the user the container runs as.
	EnvUser    = "USER"
	EnvLogname = "LOGNAME"
)
