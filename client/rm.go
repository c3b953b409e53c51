package client

import (
	"context"
	"fmt"
	"os/user"
	"time"

	"github.com/spindlehq/spindle/acl"
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/resourcemanager/failover"
	"github.com/spindlehq/spindle/token"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// RPCTimeout bounds each call a client makes to the RM.
const RPCTimeout = 10 * time.Second

// RM is a session with the ResourceManager's ApplicationClient service.
type RM struct {
	// Client is the service; call it through Call, which adds the client
	// secret and the timeout.
	Client pb.ApplicationClientClient
	// Addr is the RM's address, for messages.
	Addr string
	// TLS is the user's certificate and the cluster CA; nil on a cluster
	// without TLS (spindle.tls.insecure-plaintext).
	TLS    *pki.Material
	secret []byte
	user   string
	conn   *failover.Conn
	// Admin is the administration service of the RM calls go to.
	Admin pb.ResourceManagerAdministrationClient
}

// Dial opens a session with the RM at addr, or with the active one of the
// RMs of a group ("rm1=host:port,rm2=host:port", as RMAddress gives), as
// the user tls's certificate names; secret is the client secret
// (spindle.client.secret-file), nil when the cluster has none. Without TLS
// the session says it is this process's OS user, as YARN's simple
// authentication does.
func Dial(addr string, secret []byte, tls *pki.Material) (*RM, error) {
	return DialWith(addr, secret, tls, failover.DefaultPolicy())
}

// DialWith is Dial with a failover policy of its own.
func DialWith(addr string, secret []byte, tls *pki.Material, p failover.Policy) (*RM, error) {
	conn, err := failover.DialEncoded(addr, p, pki.GRPCDialOption(tls))
	if err != nil {
		return nil, fmt.Errorf("ResourceManager address %s (yarn.resourcemanager.address): %w", addr, err)
	}
	r := &RM{Client: pb.NewApplicationClientClient(conn), Admin: pb.NewResourceManagerAdministrationClient(conn), Addr: addr, TLS: tls, secret: secret, conn: conn}
	if tls == nil {
		if u, err := user.Current(); err == nil {
			r.user = u.Username
		}
	}
	return r, nil
}

// RMAddress is where clients reach the RM of loaded configuration: its
// yarn.resourcemanager.address, or with yarn.resourcemanager.ha.enabled
// every RM of yarn.resourcemanager.ha.rm-ids.
func RMAddress(c *conf.Config) (string, error) {
	targets, err := failover.Targets(c, failover.ServiceClient)
	if err != nil {
		return "", err
	}
	return failover.Encode(targets), nil
}

// Close ends the session.
func (r *RM) Close() error { return r.conn.Close() }

// Call runs fn, one RPC, with RPCTimeout and the client secret.
func (r *RM) Call(parent context.Context, fn func(ctx context.Context) error) error {
	return r.CallWithin(parent, RPCTimeout, fn)
}

// CallWithin is Call with its own timeout, for calls that take longer.
func (r *RM) CallWithin(parent context.Context, d time.Duration, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(parent, d)
	defer cancel()
	return fn(acl.WithClaimedUser(token.WithClientSecret(ctx, r.secret), r.user))
}

// Report fetches an application's report; an unknown id gets YARN's wording.
func (r *RM) Report(ctx context.Context, appID string) (*pb.ApplicationReport, error) {
	var resp *pb.GetApplicationReportResponse
	err := r.Call(ctx, func(ctx context.Context) (err error) {
		resp, err = r.Client.GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: appID})
		return err
	})
	if status.Code(err) == codes.NotFound {
		return nil, fmt.Errorf("application with id '%s' doesn't exist in RM", appID)
	}
	if err != nil {
		return nil, fmt.Errorf("report of %s from the ResourceManager at %s: %w", appID, r.Addr, err)
	}
	return resp.GetReport(), nil
}

// Attempts fetches an application's attempts, oldest first.
func (r *RM) Attempts(ctx context.Context, appID string) ([]*pb.ApplicationAttemptReport, error) {
	var resp *pb.GetApplicationAttemptsResponse
	err := r.Call(ctx, func(ctx context.Context) (err error) {
		resp, err = r.Client.GetApplicationAttempts(ctx, &pb.GetApplicationAttemptsRequest{ApplicationId: appID})
		return err
	})
	if status.Code(err) == codes.NotFound {
		return nil, fmt.Errorf("application with id '%s' doesn't exist in RM", appID)
	}
	if err != nil {
		return nil, fmt.Errorf("attempts of %s from the ResourceManager at %s: %w", appID, r.Addr, err)
	}
	return resp.GetAttempts(), nil
}
