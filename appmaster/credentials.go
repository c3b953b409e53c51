package appmaster

import (
	"errors"
	"fmt"

	"github.com/spindlehq/spindle/acl"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/pki"
)

// Credentials are what an AM authenticates with and checks its callers
// against. It holds no key that signs anything for the cluster.
type Credentials struct {
	// Plaintext: the cluster runs without TLS (spindle.tls.insecure-plaintext).
	Plaintext bool
	// Cluster verifies the RM and NMs (the cluster CA only: the AM calls
	// the RM with its attempt token and NMs with container tokens).
	Cluster *pki.Material
	// Web is the AM's own certificate for its web endpoints.
	Web *pki.Material
	// ViewACL is who may read the web endpoints; nil when ACLs are off.
	ViewACL *acl.ACL
	// AppSecret (base64) and AppKey authenticate the application's driver
	// and executors to each other; empty and nil only without TLS.
	AppSecret string
	AppKey    *pki.AppKey
}

// CredentialsFromEnv reads the credentials the RM (the CA, the AM's
// certificate, the view ACL) and spindle submit (the application secret)
// put in the AM container's environment.
func CredentialsFromEnv(getenv func(string) string) (Credentials, error) {
	c := Credentials{Plaintext: getenv(launch.EnvInsecurePlaintext) == "true", AppSecret: getenv(launch.EnvAppSecret)}
	if v, ok := lookup(getenv, launch.EnvViewACL); ok {
		l := acl.Parse(v)
		c.ViewACL = &l
	}
	var err error
	if c.AppSecret != "" {
		if c.AppKey, err = pki.NewAppKey(c.AppSecret); err != nil {
			return c, fmt.Errorf("appmaster: %s: %w", launch.EnvAppSecret, err)
		}
	}
	if c.Plaintext {
		return c, nil
	}
	ca := getenv(launch.EnvClusterCA)
	if ca == "" {
		return c, fmt.Errorf("appmaster: no %s in the environment: the ResourceManager gives it to every AM it launches", launch.EnvClusterCA)
	}
	if c.AppKey == nil {
		return c, fmt.Errorf("appmaster: no %s in the environment: spindle submit gives every application a secret", launch.EnvAppSecret)
	}
	if c.Cluster, err = pki.FromPEM([]byte(ca), nil, nil); err != nil {
		return c, fmt.Errorf("appmaster: %s: %w", launch.EnvClusterCA, err)
	}
	cert, key := getenv(launch.EnvAMCert), getenv(launch.EnvAMKey)
	if cert == "" || key == "" {
		return c, fmt.Errorf("appmaster: no %s and %s in the environment: the ResourceManager issues every AM a certificate", launch.EnvAMCert, launch.EnvAMKey)
	}
	if c.Web, err = pki.FromPEM([]byte(ca), []byte(cert), []byte(key)); err != nil {
		return c, fmt.Errorf("appmaster: %s: %w", launch.EnvAMCert, err)
	}
	return c, nil
}

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

// validate refuses credentials that would leave a connection open.
func (c Credentials) validate() error {
	if !c.Plaintext && (c.Cluster == nil || c.AppKey == nil) {
		return errors.New("appmaster: no TLS credentials: read them with CredentialsFromEnv")
	}
	return nil
}
