package resourcemanager

import (
	"net"
	"net/http"
	"time"

	"github.com/spindlehq/spindle/acl"
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
)

// amCertValidity bounds an AM's certificate; an attempt that runs longer
// gets a new one with its next attempt (the RM restarts with its state).
const amCertValidity = 90 * 24 * time.Hour

// webListener serves the REST API over TLS to callers with a certificate.
func (rm *ResourceManager) webListener(lis net.Listener) net.Listener {
	return pki.Listener(rm.cfg.TLS, lis, pki.ClientCertRequired)
}

// webScheme is the scheme of the cluster's web endpoints.
func (rm *ResourceManager) webScheme() string { return pki.Scheme(rm.cfg.TLS) }

// addAMCredentials gives a managed AM what it needs to reach the cluster
// over TLS: the CA to verify the RM and NMs with, and a certificate for its
// own web endpoints, issued by the application CA for the host it runs on.
// Nothing in it lets the AM sign anything.
func (rm *ResourceManager) addAMCredentials(t *rmAttempt, c *pb.Container, lc *pb.ContainerLaunchContext) error {
	if v := rm.viewACLString(t.app); v != "" {
		lc.Environment[launch.EnvViewACL] = v
	}
	if rm.plaintext() {
		lc.Environment[launch.EnvInsecurePlaintext] = "true"
		return nil
	}
	host, _, err := net.SplitHostPort(c.GetNodeId())
	if err != nil {
		return err
	}
	req := pki.CertRequest{Role: pki.RoleApplicationMaster, Name: t.id, Validity: amCertValidity}
	if ip := net.ParseIP(host); ip != nil {
		req.IPs = []net.IP{ip}
	} else {
		req.DNSNames = []string{host}
	}
	kp, err := rm.cfg.AppCA.Issue(req)
	if err != nil {
		return err
	}
	lc.Environment[launch.EnvClusterCA] = string(rm.cfg.TLS.CAPEM())
	lc.Environment[launch.EnvAMCert] = string(kp.CertPEM)
	lc.Environment[launch.EnvAMKey] = string(kp.KeyPEM)
	return nil
}

// webAuthenticate makes every web request say who sends it and keeps the
// user in its context; the application endpoints check the view ACL.
func (rm *ResourceManager) webAuthenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := acl.FromHTTP(r, rm.plaintext())
		if err != nil {
			rm.lg.Warn("web request refused", zap.String("path", r.URL.Path), zap.String("remote", r.RemoteAddr), zap.Error(err))
			writeError(w, http.StatusUnauthorized, "AuthenticationException", err.Error()+": present a client certificate from the cluster CA")
			return
		}
		next.ServeHTTP(w, r.WithContext(withCaller(r.Context(), u)))
	})
}
