package resourcemanager

import (
	"context"
	"net"
	"strings"

	"github.com/spindlehq/spindle/acl"
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// plaintext reports spindle.tls.insecure-plaintext: no TLS, callers say who
// they are.
func (rm *ResourceManager) plaintext() bool { return rm.cfg.TLS == nil }

// acls is the cluster's access policy.
func (rm *ResourceManager) acls() *acl.Policy {
	if rm.cfg.ACLs == nil {
		return acl.Disabled()
	}
	return rm.cfg.ACLs
}

type callerKey struct{}

// callerOf is the authenticated user of an ApplicationClient call or web
// request.
func callerOf(ctx context.Context) acl.User {
	u, ok := ctx.Value(callerKey{}).(acl.User)
	if !ok {
		return acl.User{Name: acl.Anonymous}
	}
	return u
}

func withCaller(ctx context.Context, u acl.User) context.Context {
	return context.WithValue(ctx, callerKey{}, u)
}

// clientServerOptions serve ApplicationClient and ApplicationMaster on one
// port: a client certificate is optional at the TLS level because AMs
// authenticate with their attempt token; every ApplicationClient call
// must come from a user's certificate.
func (rm *ResourceManager) clientServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		pki.GRPCServerOption(rm.cfg.TLS, pki.ClientCertOptional, rm.lg, "ApplicationClient"),
		grpc.ChainUnaryInterceptor(rm.authenticateClient, rm.guard),
	}
}

// trackerServerOptions serve ResourceTracker to NodeManagers only.
func (rm *ResourceManager) trackerServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		pki.GRPCServerOption(rm.cfg.TLS, pki.ClientCertRequired, rm.lg, "ResourceTracker"),
		grpc.ChainUnaryInterceptor(rm.authenticateNode, rm.guard),
	}
}

// remote names a caller's address in logs.
func remote(ctx context.Context) string {
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		return p.Addr.String()
	}
	return ""
}

func (rm *ResourceManager) authenticateClient(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if !strings.HasPrefix(info.FullMethod, "/"+pb.ApplicationClient_ServiceDesc.ServiceName+"/") &&
		!strings.HasPrefix(info.FullMethod, "/"+pb.ResourceManagerAdministration_ServiceDesc.ServiceName+"/") {
		return handler(ctx, req) // ApplicationMaster: the attempt token
	}
	u, err := acl.FromGRPC(ctx, rm.plaintext())
	if err == nil && !rm.plaintext() && u.Role != pki.RoleClient {
		err = status.Errorf(codes.PermissionDenied, "%s: only users' certificates (spindle tls cert create --client) may call the ApplicationClient and administration services, not %s", info.FullMethod, u)
	}
	if err != nil {
		rm.lg.Warn("client call refused", zap.String("method", info.FullMethod), zap.String("remote", remote(ctx)), zap.String("user", u.String()), zap.Error(err))
		if status.Code(err) == codes.Unknown {
			err = status.Errorf(codes.Unauthenticated, "%s: %v: present a client certificate from the cluster CA (spindle.tls.cert-file)", info.FullMethod, err)
		}
		return nil, err
	}
	return handler(withCaller(ctx, u), req)
}

type nodeKey struct{}

func (rm *ResourceManager) authenticateNode(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if rm.plaintext() {
		return handler(ctx, req)
	}
	id, ok, err := pki.PeerCertificate(ctx)
	if err == nil && (!ok || id.Role != pki.RoleNodeManager) {
		err = status.Errorf(codes.PermissionDenied, "%s: only NodeManager certificates (spindle tls cert create --nm) may call the ResourceTracker, not %s", info.FullMethod, id)
	}
	if err != nil {
		rm.lg.Warn("ResourceTracker call refused", zap.String("method", info.FullMethod), zap.String("remote", remote(ctx)), zap.Error(err))
		if status.Code(err) == codes.Unknown {
			err = status.Errorf(codes.Unauthenticated, "%s: %v", info.FullMethod, err)
		}
		return nil, err
	}
	return handler(context.WithValue(ctx, nodeKey{}, id), req)
}

// checkNodeID refuses a ResourceTracker call about nodeID from an NM whose
// certificate does not name nodeID's host: a node speaks only for itself.
func (rm *ResourceManager) checkNodeID(ctx context.Context, nodeID, call string) error {
	id, ok := ctx.Value(nodeKey{}).(pki.Identity)
	if !ok {
		return nil // plain text
	}
	host, _, err := net.SplitHostPort(nodeID)
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "%s: node id %q is not host:port", call, nodeID)
	}
	if id.HasHost(host) {
		return nil
	}
	rm.lg.Warn("ResourceTracker call refused: the node's certificate is for other hosts", zap.String("call", call),
		zap.String("node", nodeID), zap.String("certificate", id.String()), zap.Strings("hosts", id.Hosts), zap.String("remote", remote(ctx)))
	return status.Errorf(codes.PermissionDenied, "%s %s: the NodeManager certificate (%s) is valid for %v, not for host %s", call, nodeID, id, id.Hosts, host)
}

// appACL is what decides access to app.
func appACL(app *rmApp) acl.App {
	return acl.App{
		ID:     app.id,
		Owner:  app.ctx.GetUser(),
		Queue:  app.ctx.GetQueue(),
		View:   acl.Parse(app.ctx.GetViewAcl()),
		Modify: acl.Parse(app.ctx.GetModifyAcl()),
	}
}

// checkAdmin refuses a change to the cluster (rmadmin's transitions and
// refreshes) to a caller not on yarn.admin.acl.
func (rm *ResourceManager) checkAdmin(ctx context.Context, what string) error {
	if err := rm.acls().CheckAdmin(callerOf(ctx), what); err != nil {
		return status.Error(codes.PermissionDenied, err.Error())
	}
	return nil
}

// checkAppLocked refuses u doing op to the application appID.
func (rm *ResourceManager) checkAppLocked(u acl.User, op acl.Operation, appID string) error {
	app, ok := rm.apps[appID]
	if !ok {
		return errApp(appID)
	}
	if err := rm.acls().CheckApp(u, op, appACL(app)); err != nil {
		return status.Error(codes.PermissionDenied, err.Error())
	}
	return nil
}

// notViewable is what a report says in place of what its reader may not
// view, as YARN's.
const notViewable = "N/A"

// reportsFor leaves out of reports what u may not see: the details of
// applications u may not view, and the attempt token of an unmanaged AM
// except to its owner, who runs it.
func (rm *ResourceManager) reportsFor(u acl.User, reports ...*pb.ApplicationReport) []*pb.ApplicationReport {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for _, r := range reports {
		if r.GetUser() != u.Name {
			r.AmRmToken = nil
		}
		app, ok := rm.apps[r.GetApplicationId()]
		if !ok || rm.acls().CanAccess(u, acl.ViewApp, appACL(app)) {
			continue
		}
		r.Host, r.RpcPort, r.TrackingUrl, r.Diagnostics, r.CurrentAttemptId = notViewable, -1, notViewable, notViewable, ""
	}
	return reports
}

// viewACLString is everyone who may view app, for its AM and the NMs that
// serve its logs; empty when ACLs are off.
func (rm *ResourceManager) viewACLString(app *rmApp) string {
	if l := rm.acls().Everyone(acl.ViewApp, appACL(app)); l != nil {
		return l.String()
	}
	return ""
}

// authorizeSubmit makes the caller the application's user, as YARN's RM
// records the submitter, and refuses a queue the caller may not submit to.
// Without TLS the caller is who the client says it is.
func (rm *ResourceManager) authorizeSubmit(ctx context.Context, sc *pb.ApplicationSubmissionContext) error {
	u := callerOf(ctx)
	switch {
	case !rm.plaintext() || u.Name != acl.Anonymous:
		sc.User = u.Name
	case sc.GetUser() == "":
		sc.User = acl.Anonymous
	default:
		u.Name = sc.GetUser()
	}
	queue := sc.GetQueue()
	if queue == "" {
		queue = "default"
	}
	if err := rm.acls().CheckSubmit(u, queue); err != nil {
		return status.Errorf(codes.PermissionDenied, "submit %s: %v", sc.GetApplicationId(), err)
	}
	return nil
}

// checkApp refuses u doing op to the application appID.
func (rm *ResourceManager) checkApp(u acl.User, op acl.Operation, appID string) error {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return rm.checkAppLocked(u, op, appID)
}
