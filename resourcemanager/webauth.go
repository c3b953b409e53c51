package resourcemanager

import (
	"errors"
	"net/http"

	"github.com/spindlehq/spindle/acl"
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/resourcemanager/webapp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// aclAuthorizer is the web's Authorizer: a page, REST resource or proxied
// AM page of an application needs the view ACL, a kill the modify ACL, of
// the caller webAuthenticate found. With a client secret configured
// (spindle.client.secret-file), a modifying request must also carry it.
type aclAuthorizer struct {
	rm     *ResourceManager
	secret webapp.ClientSecretAuthorizer
}

// Authorize implements webapp.Authorizer.
func (a aclAuthorizer) Authorize(r *http.Request, access webapp.Access, appID string) error {
	if err := a.secret.Authorize(r, access, appID); err != nil {
		return err
	}
	if appID == "" {
		return nil
	}
	op := acl.ViewApp
	if access == webapp.AccessModify {
		op = acl.ModifyApp
	}
	err := a.rm.checkApp(callerOf(r.Context()), op, appID)
	if status.Code(err) == codes.NotFound {
		// The handler answers an unknown application with YARN's 404.
		return nil
	}
	if err != nil {
		return errors.New(status.Convert(err).Message())
	}
	return nil
}

// viewable reports whether u may view appID, without logging.
func (rm *ResourceManager) viewable(u acl.User, appID string) bool {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	app, ok := rm.apps[appID]
	return !ok || rm.acls().CanAccess(u, acl.ViewApp, appACL(app))
}

// redactView leaves out of v what a user who may not view its application
// may not see, as reportsFor does for reports.
func redactView(v appView) appView {
	r := proto.Clone(v.report).(*pb.ApplicationReport)
	r.Host, r.RpcPort, r.TrackingUrl, r.Diagnostics, r.CurrentAttemptId, r.AmRmToken = notViewable, -1, notViewable, notViewable, "", nil
	v.report = r
	v.amContainer, v.amNodeHTTP = "", ""
	return v
}
