package pki

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/peer"
)

// shuffleKeyInfo separates the shuffle's key from the Task endpoint's.
const shuffleKeyInfo = "spindle shuffle ed25519 v1"

// shuffleNameSuffix ends the server name a fetcher asks for: the name
// says which key the server must prove it holds.
const shuffleNameSuffix = ".shuffle.spindle"

// NewShuffleKey derives the TLS key of an application attempt's shuffle
// from its shuffle secret: its executors and the NodeManagers' shuffle
// services that learned the secret present it, and accept only a peer
// that proves it holds the same key.
func NewShuffleKey(secret []byte) (*AppKey, error) {
	if len(secret) < AppSecretLen {
		return nil, fmt.Errorf("pki: shuffle secret of %d bytes, want %d", len(secret), AppSecretLen)
	}
	return deriveKey(secret, shuffleKeyInfo)
}

// ServerName names k in TLS's server name indication, so that a server
// that holds several applications' keys presents the one asked for.
func (k *AppKey) ServerName() string {
	sum := sha256.Sum256(k.pub)
	return hex.EncodeToString(sum[:16]) + shuffleNameSuffix
}

// HeldBy reports whether a gRPC caller proved in its TLS handshake that
// it holds k.
func (k *AppKey) HeldBy(ctx context.Context) bool {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return false
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.PeerCertificates) == 0 {
		return false
	}
	pub, ok := info.State.PeerCertificates[0].PublicKey.(ed25519.PublicKey)
	return ok && pub.Equal(k.pub)
}

// KeyDialOption makes a client talk only to a server that proves it holds
// k, presenting k itself, and asks for k by name; plain text when k is
// nil.
func KeyDialOption(k *AppKey) grpc.DialOption {
	if k == nil {
		return grpc.WithTransportCredentials(insecure.NewCredentials())
	}
	cfg := k.ClientConfig()
	cfg.ServerName = k.ServerName()
	return grpc.WithTransportCredentials(credentials.NewTLS(cfg))
}

// KeyRingServerOption makes a server that holds many keys present the
// one a client names (KeyDialOption) and accept only a client that holds
// that same key; lookup returns nil for a name it does not know, and the
// handshake fails. lg records each refused handshake to endpoint.
func KeyRingServerOption(lookup func(serverName string) *AppKey, lg *zap.Logger, endpoint string) grpc.ServerOption {
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS13,
		GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			k := lookup(hello.ServerName)
			if k == nil {
				return nil, fmt.Errorf("%w: no key named %q here", ErrNotThisApplication, hello.ServerName)
			}
			return k.ServerConfig(), nil
		},
	}
	return grpc.Creds(logHandshakes(credentials.NewTLS(cfg), lg, endpoint))
}
