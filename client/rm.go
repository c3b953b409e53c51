package client

import (
	"context"
	"fmt"
	"os/user"
	"time"

	"github.com/spindlehq/spindle/acl"
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/token"
	"google.golang.org/grpc"
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
	conn   *grpc.ClientConn
}

// Dial opens a session with the RM at addr as the user tls's certificate
// names; secret is the client secret (spindle.client.secret-file), nil when
// the cluster has none. Without TLS the session says it is this process's
// OS user, as YARN's simple authentication does.
func Dial(addr string, secret []byte, tls *pki.Material) (*RM, error) {
	conn, err := grpc.NewClient(addr, pki.GRPCDialOption(tls))
	if err != nil {
		return nil, fmt.Errorf("ResourceManager address %s (yarn.resourcemanager.address): %w", addr, err)
	}
	r := &RM{Client: pb.NewApplicationClientClient(conn), Addr: addr, TLS: tls, secret: secret, conn: conn}
	if tls == nil {
		if u, err := user.Current(); err == nil {
			r.user = u.Username
		}
	}
	return r, nil
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
