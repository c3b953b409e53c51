package appmaster

import (
	"net/http"

	"github.com/spindlehq/spindle/acl"
	"go.uber.org/zap"
)

// webAuthorize lets through only callers on the application's view ACL
// (its owner, spark.ui.view.acls, spark.modify.acls, spark.admin.acls, the
// cluster's and queue's administrators); every refusal is logged with who
// and what.
func (am *AppMaster) webAuthorize(next http.Handler) http.Handler {
	creds := am.cfg.Credentials
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := acl.FromHTTP(r, creds.Plaintext)
		if err != nil {
			am.lg.Warn("web request refused", zap.String("path", r.URL.Path), zap.String("remote", r.RemoteAddr), zap.Error(err))
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		// Through the ResourceManager's proxy, the user is the proxy's
		// caller, whom the proxy has checked too.
		if proxied, ok := acl.Proxied(r, u); ok {
			u = proxied
		}
		if creds.ViewACL != nil && !creds.ViewACL.Allows(u) {
			am.lg.Warn("access denied", zap.String("user", u.String()), zap.String("operation", string(acl.ViewApp)),
				zap.String("target", r.URL.Path), zap.String("remote", r.RemoteAddr))
			http.Error(w, "User "+u.String()+" cannot perform operation VIEW_APP on application "+am.metrics.appID, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
