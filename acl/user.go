package acl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spindlehq/spindle/pki"
	"google.golang.org/grpc/metadata"
)

// Anonymous is the user of a call that says nothing about who makes it,
// without TLS: YARN's web user dr.who.
const Anonymous = "dr.who"

// ClaimedUserKey carries, without TLS only, the user a client says it is
// (gRPC metadata and HTTP header), as YARN's simple authentication
// trusts the client's user name.
const ClaimedUserKey = "spindle-user"

// ErrUnauthenticated refuses a call that does not say who makes it.
var ErrUnauthenticated = errors.New("acl: caller not authenticated")

// User is who is calling.
type User struct {
	// Name is the user name: a client certificate's common name.
	Name string
	// Groups are the certificate's groups.
	Groups []string
	// Role is the certificate's role; "" without TLS.
	Role pki.Role
}

// String names the user in logs and refusals.
func (u User) String() string {
	if u.Role != "" && u.Role != pki.RoleClient {
		return string(u.Role) + " " + u.Name
	}
	return u.Name
}

// fromIdentity turns a certificate's identity into a user.
func fromIdentity(id pki.Identity) User {
	return User{Name: id.Name, Groups: id.Groups, Role: id.Role}
}

// FromGRPC is the caller of a gRPC call: the user its client
// certificate names; without TLS (plaintext true), the user it claims.
// A TLS caller without a certificate gets ErrUnauthenticated.
func FromGRPC(ctx context.Context, plaintext bool) (User, error) {
	if plaintext {
		md, _ := metadata.FromIncomingContext(ctx)
		return claimed(md.Get(ClaimedUserKey)), nil
	}
	id, ok, err := pki.PeerCertificate(ctx)
	return certUser(id, ok, err)
}

// FromHTTP is the caller of an HTTP request, as FromGRPC.
func FromHTTP(r *http.Request, plaintext bool) (User, error) {
	if plaintext {
		return claimed(r.Header.Values(ClaimedUserKey)), nil
	}
	id, ok, err := pki.RequestCertificate(r)
	return certUser(id, ok, err)
}

func certUser(id pki.Identity, ok bool, err error) (User, error) {
	if err != nil {
		return User{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	if !ok {
		return User{}, fmt.Errorf("%w: no client certificate", ErrUnauthenticated)
	}
	return fromIdentity(id), nil
}

func claimed(vals []string) User {
	if len(vals) == 0 || strings.TrimSpace(vals[0]) == "" {
		return User{Name: Anonymous}
	}
	return User{Name: strings.TrimSpace(vals[0])}
}

// WithClaimedUser returns a context whose outgoing gRPC calls claim to be
// made by name; only a server without TLS believes it.
func WithClaimedUser(ctx context.Context, name string) context.Context {
	if name == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, ClaimedUserKey, name)
}

// Headers by which the ResourceManager's web proxy tells an
// ApplicationMaster whom it forwards a request for; an AM believes them
// only from a client certificate of the ResourceManager.
const (
	ProxiedUserHeader   = "X-Spindle-Proxied-User"
	ProxiedGroupsHeader = "X-Spindle-Proxied-Groups"
)

// Proxied is the user a request forwarded by the ResourceManager's proxy
// is for; ok is false for a request the ResourceManager did not send.
func Proxied(r *http.Request, sender User) (u User, ok bool) {
	name := strings.TrimSpace(r.Header.Get(ProxiedUserHeader))
	if sender.Role != pki.RoleResourceManager || name == "" {
		return User{}, false
	}
	u = User{Name: name}
	for _, g := range strings.Split(r.Header.Get(ProxiedGroupsHeader), ",") {
		if g = strings.TrimSpace(g); g != "" {
			u.Groups = append(u.Groups, g)
		}
	}
	return u, true
}
