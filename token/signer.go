package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/api/spindlepb"
	"google.golang.org/protobuf/proto"
)

// Token kinds, as YARN names them.
const (
	KindContainer = "ContainerToken"
	KindAttempt   = "YARN_AM_RM_TOKEN"
)

var (
	// ErrMissing is returned when a call carries no token.
	ErrMissing = errors.New("token: missing")
	// ErrForged is returned when a token's signature does not match.
	ErrForged = errors.New("token: signature does not match")
	// ErrExpired is returned for a container token past its expiry.
	ErrExpired = errors.New("token: expired")
	// ErrWrongNode is returned for a container token presented to another node.
	ErrWrongNode = errors.New("token: issued for another node")
	// ErrMalformed is returned when a token's identifier cannot be decoded.
	ErrMalformed = errors.New("token: malformed identifier")
)

// Signer signs tokens with its current master key and verifies them with
// any key it holds, so that tokens signed before a key roll still verify.
// The keys live in memory only: the RM makes them (and keeps them in its
// state store), NMs get them over the authenticated ResourceTracker.
type Signer struct {
	keys keySet
}

// NewSigner returns a Signer with one master key, id 0: for tests and
// tools that sign with a known secret.
func NewSigner(secret []byte) (*Signer, error) {
	return NewSignerWithKeys(0, []MasterKey{{ID: 0, Secret: secret}})
}

// NewSignerWithKeys returns a Signer that holds keys and signs with the one
// whose id is current. With no keys it verifies nothing until SetKeys.
func NewSignerWithKeys(current uint32, keys []MasterKey) (*Signer, error) {
	s := &Signer{}
	if err := s.keys.set(current, keys); err != nil {
		return nil, err
	}
	return s, nil
}

// SetKeys replaces the keys and the one that signs.
func (s *Signer) SetKeys(current uint32, keys []MasterKey) error { return s.keys.set(current, keys) }

// Keys returns the keys, the signing key's id and a version that changes
// whenever they do.
func (s *Signer) Keys() (current uint32, keys []MasterKey, version uint64) { return s.keys.snapshot() }

func mac(secret []byte, kind string, identifier []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write(identifier)
	return m.Sum(nil)
}

// Sign serializes id and signs it as a token of kind with the current key.
func (s *Signer) Sign(kind string, id proto.Message) (*spindlepb.Token, error) {
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(id)
	if err != nil {
		return nil, fmt.Errorf("token: encode %s identifier: %w", kind, err)
	}
	keyID, secret, err := s.keys.signing()
	if err != nil {
		return nil, err
	}
	return &spindlepb.Token{Kind: kind, Identifier: raw, Password: mac(secret, kind, raw), KeyId: keyID}, nil
}

// Verify checks tok's signature for kind and decodes its identifier into id.
func (s *Signer) Verify(tok *spindlepb.Token, kind string, id proto.Message) error {
	if tok == nil || len(tok.GetIdentifier()) == 0 || len(tok.GetPassword()) == 0 {
		return ErrMissing
	}
	secret, ok := s.keys.lookup(tok.GetKeyId())
	if !ok {
		return fmt.Errorf("%w (key %d): %w", ErrUnknownKey, tok.GetKeyId(), ErrForged)
	}
	if tok.GetKind() != kind || !hmac.Equal(tok.GetPassword(), mac(secret, kind, tok.GetIdentifier())) {
		return ErrForged
	}
	if err := proto.Unmarshal(tok.GetIdentifier(), id); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

// SignContainer signs a container token.
func (s *Signer) SignContainer(id *spindlepb.ContainerTokenIdentifier) (*spindlepb.Token, error) {
	return s.Sign(KindContainer, id)
}

// VerifyContainer checks that tok is a container token signed under one
// of the master keys held, for nodeID, and not expired at now.
func (s *Signer) VerifyContainer(tok *spindlepb.Token, nodeID string, now time.Time) (*spindlepb.ContainerTokenIdentifier, error) {
	id := &spindlepb.ContainerTokenIdentifier{}
	if err := s.Verify(tok, KindContainer, id); err != nil {
		return nil, err
	}
	if id.GetNodeId() != nodeID {
		return id, fmt.Errorf("%w: container %s was allocated on %s, not %s", ErrWrongNode, id.GetContainerId(), id.GetNodeId(), nodeID)
	}
	if now.UnixMilli() > id.GetExpiryUnixMs() {
		return id, fmt.Errorf("%w: container %s token expired at %s", ErrExpired, id.GetContainerId(), time.UnixMilli(id.GetExpiryUnixMs()).UTC().Format(time.RFC3339))
	}
	return id, nil
}

// SignAttempt signs an application attempt token.
func (s *Signer) SignAttempt(id *spindlepb.ApplicationAttemptTokenIdentifier) (*spindlepb.Token, error) {
	return s.Sign(KindAttempt, id)
}

// VerifyAttempt checks an application attempt token and returns its identifier.
func (s *Signer) VerifyAttempt(tok *spindlepb.Token) (*spindlepb.ApplicationAttemptTokenIdentifier, error) {
	id := &spindlepb.ApplicationAttemptTokenIdentifier{}
	if err := s.Verify(tok, KindAttempt, id); err != nil {
		return nil, err
	}
	return id, nil
}
