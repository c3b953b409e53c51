package pki

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/peer"
)

// A nil *Material everywhere below means spindle.tls.insecure-plaintext:
// no TLS at all.

// GRPCServerOption makes a gRPC server speak TLS with m; lg, when not
// nil, records each refused handshake to endpoint.
func GRPCServerOption(m *Material, auth ClientAuth, lg *zap.Logger, endpoint string) grpc.ServerOption {
	if m == nil {
		return grpc.Creds(insecure.NewCredentials())
	}
	return grpc.Creds(logHandshakes(credentials.NewTLS(m.ServerConfig(auth)), lg, endpoint))
}

// GRPCDialOption makes a gRPC client speak TLS with m.
func GRPCDialOption(m *Material) grpc.DialOption {
	if m == nil {
		return grpc.WithTransportCredentials(insecure.NewCredentials())
	}
	return grpc.WithTransportCredentials(&grpcCreds{m: m})
}

// grpcCreds builds a client TLS configuration per connection from the
// current material.
type grpcCreds struct {
	m        *Material
	override string
}

func (c *grpcCreds) ClientHandshake(ctx context.Context, authority string, raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	host := c.override
	if host == "" {
		host = hostOf(authority)
	}
	return credentials.NewTLS(c.m.ClientConfig(host)).ClientHandshake(ctx, authority, raw)
}

func (c *grpcCreds) ServerHandshake(net.Conn) (net.Conn, credentials.AuthInfo, error) {
	return nil, nil, errors.New("pki: client credentials used by a server")
}

func (c *grpcCreds) Info() credentials.ProtocolInfo {
	return credentials.ProtocolInfo{SecurityProtocol: "tls", SecurityVersion: "1.2"}
}

func (c *grpcCreds) Clone() credentials.TransportCredentials {
	cp := *c
	return &cp
}

func (c *grpcCreds) OverrideServerName(name string) error {
	c.override = name
	return nil
}

// hostOf strips the port from host:port.
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// PeerCertificate returns the identity of a gRPC caller's certificate;
// ok is false when the caller presented none (or the server is plain
// text). The TLS handshake has verified it.
func PeerCertificate(ctx context.Context) (id Identity, ok bool, err error) {
	p, found := peer.FromContext(ctx)
	if !found {
		return Identity{}, false, nil
	}
	info, isTLS := p.AuthInfo.(credentials.TLSInfo)
	if !isTLS || len(info.State.PeerCertificates) == 0 {
		return Identity{}, false, nil
	}
	id, err = IdentityOf(info.State.PeerCertificates[0])
	return id, true, err
}

// RequestCertificate returns the identity of an HTTPS request's client
// certificate, as PeerCertificate does for gRPC.
func RequestCertificate(r *http.Request) (id Identity, ok bool, err error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return Identity{}, false, nil
	}
	id, err = IdentityOf(r.TLS.PeerCertificates[0])
	return id, true, err
}

// Listener wraps lis in TLS with m; plain text when m is nil.
func Listener(m *Material, lis net.Listener, auth ClientAuth) net.Listener {
	if m == nil {
		return lis
	}
	return tls.NewListener(lis, m.ServerConfig(auth))
}

// Scheme is the URL scheme of HTTP endpoints served with m.
func Scheme(m *Material) string {
	if m == nil {
		return "http"
	}
	return "https"
}

// HTTPClient returns a client that presents m's certificate and verifies
// servers against its CAs.
func HTTPClient(m *Material, timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	ConfigureTransport(m, tr, &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second})
	return &http.Client{Transport: tr, Timeout: timeout}
}

// ConfigureTransport makes tr's https connections, dialled with dialer,
// present m's certificate and verify servers against m's CAs as they are
// at each connection.
func ConfigureTransport(m *Material, tr *http.Transport, dialer *net.Dialer) {
	if m == nil {
		return
	}
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		td := &tls.Dialer{NetDialer: dialer, Config: m.ClientConfig(hostOf(addr))}
		return td.DialContext(ctx, network, addr)
	}
}

// AppServerOption makes a Task endpoint accept only holders of the
// application's secret, recording each refused handshake to lg; plain text
// when k is nil.
func AppServerOption(k *AppKey, lg *zap.Logger) grpc.ServerOption {
	if k == nil {
		return grpc.Creds(insecure.NewCredentials())
	}
	return grpc.Creds(logHandshakes(credentials.NewTLS(k.ServerConfig()), lg, "Task"))
}

// AppDialOption makes a client of a Task endpoint talk only to a driver
// that holds the application's secret; plain text when k is nil.
func AppDialOption(k *AppKey) grpc.DialOption {
	if k == nil {
		return grpc.WithTransportCredentials(insecure.NewCredentials())
	}
	return grpc.WithTransportCredentials(credentials.NewTLS(k.ClientConfig()))
}
