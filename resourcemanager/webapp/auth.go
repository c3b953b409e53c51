package webapp

import (
	"errors"
	"net/http"

	"github.com/spindlehq/spindle/token"
)

// Access is what a web request wants to do.
type Access int

const (
	// AccessView reads pages, REST resources and an AM's UI.
	AccessView Access = iota
	// AccessModify changes something: kills an application.
	AccessModify
)

// ErrUnauthenticated is returned by an Authorizer when the request does
// not say who sends it.
var ErrUnauthenticated = errors.New("webapp: request not authenticated")

// Authorizer decides, per request, whether it may have the access it asks
// for to an application ("" for the cluster as a whole). Every page, REST
// handler and the proxy ask it, so that view and modify ACLs can be slotted
// in without touching them.
type Authorizer interface {
	Authorize(r *http.Request, access Access, appID string) error
}

// ClientSecretHeader carries the client secret (spindle.client.secret-file)
// in base64, as the gRPC metadata of the same name does.
const ClientSecretHeader = token.ClientSecretMetadataKey

// ClientSecretAuthorizer is the check Spindle has today: anyone may view;
// when Secret is set, a modifying request must carry it in
// ClientSecretHeader.
type ClientSecretAuthorizer struct {
	Secret []byte
}

// Authorize implements Authorizer.
func (a ClientSecretAuthorizer) Authorize(r *http.Request, access Access, _ string) error {
	if access == AccessView || len(a.Secret) == 0 {
		return nil
	}
	if token.CheckClientSecretValue(r.Header.Get(ClientSecretHeader), a.Secret) {
		return nil
	}
	return ErrUnauthenticated
}
