package devcluster

import (
	"fmt"
	"net"
	"os/user"
	"path/filepath"

	"github.com/spindlehq/spindle/pki"
)

// CreateTLS makes the cluster's CA and certificates in dir/tls: the RM's,
// one the NMs share, the application CA and one for the user running spindle
// dev, valid for this machine and the extra addresses (its test hosts'). The
// CA's key is not written: the files are all this cluster needs.
func CreateTLS(dir string, extra ...net.IP) (pki.Local, error) {
	name := "spindle"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	l, err := pki.CreateLocal(filepath.Join(dir, "tls"), name, 0, extra...)
	if err != nil {
		return l, fmt.Errorf("devcluster: certificates: %w", err)
	}
	return l, nil
}

// CurlFlags are the flags that let curl reach the cluster's web endpoints
// as its user.
func (in Info) CurlFlags() string { return CurlFlags(in.TLS) }

// CurlFlags are the flags that let curl reach the web endpoints of the
// cluster of l as its user.
func CurlFlags(l pki.Local) string {
	return fmt.Sprintf("--cacert %s --cert %s --key %s", l.CA, l.Client, pki.KeyFileFor(l.Client))
}
