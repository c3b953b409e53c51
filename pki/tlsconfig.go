package pki

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
)

// ClientAuth is what a server asks of its clients.
type ClientAuth int

const (
	// ClientCertRequired refuses a connection without a client certificate
	// that verifies against the CA.
	ClientCertRequired ClientAuth = iota
	// ClientCertOptional accepts a connection without a client
	// certificate, for callers that authenticate with a token (an
	// ApplicationMaster with its attempt or container tokens); a
	// certificate given must verify. The service then decides per call.
	ClientCertOptional
)

// ErrNoClientCertificate refuses a connection that must present a client
// certificate and did not.
var ErrNoClientCertificate = errors.New("pki: no client certificate: this endpoint accepts only callers with a certificate from the cluster CA (set spindle.tls.cert-file and spindle.tls.key-file)")

// ServerConfig is a TLS server configuration that presents the current
// certificate and verifies clients against the current CAs.
func (m *Material) ServerConfig(auth ClientAuth) *tls.Config {
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			if c := m.current().cert; c != nil {
				return c, nil
			}
			return nil, errors.New("pki: this server has no certificate: set spindle.tls.cert-file and spindle.tls.key-file")
		},
		// Verification is done in VerifyConnection against the CAs as they
		// are now, so that a CA added to spindle.tls.ca-file is trusted
		// without a restart; it also refuses a missing certificate where
		// one is required, with a message that says what to set.
		ClientAuth: tls.RequestClientCert,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				if auth == ClientCertRequired {
					return ErrNoClientCertificate
				}
				return nil
			}
			_, err := m.Verify(cs.PeerCertificates, "", x509.ExtKeyUsageClientAuth)
			return err
		},
	}
	return cfg
}

// ClientConfig is a TLS client configuration for a connection to
// serverName: it presents the current certificate, when the material has
// one, and verifies the server's certificate and host name against the
// current CAs. Build one per connection (the gRPC credentials and HTTP
// client of this package do), so that CAs added to the file are trusted.
func (m *Material) ClientConfig(serverName string) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: serverName,
		RootCAs:    m.current().roots,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if c := m.current().cert; c != nil {
				return c, nil
			}
			return &tls.Certificate{}, nil
		},
	}
}

// Verify checks a peer's chain (leaf first) against the current CAs for
// usage and, when host is not empty, for host; it returns the leaf's
// identity.
func (m *Material) Verify(chain []*x509.Certificate, host string, usage x509.ExtKeyUsage) (Identity, error) {
	if len(chain) == 0 {
		return Identity{}, errors.New("pki: the peer sent no certificate")
	}
	opts := x509.VerifyOptions{
		Roots:         m.current().roots,
		Intermediates: x509.NewCertPool(),
		DNSName:       host,
		KeyUsages:     []x509.ExtKeyUsage{usage},
	}
	for _, c := range chain[1:] {
		opts.Intermediates.AddCert(c)
	}
	leaf := chain[0]
	if _, err := leaf.Verify(opts); err != nil {
		return Identity{}, fmt.Errorf("pki: certificate %q (serial %s) does not verify against the cluster CA: %w", leaf.Subject.String(), leaf.SerialNumber.Text(16), err)
	}
	return IdentityOf(leaf)
}
