package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Default validities, as Nomad's `tls ca create` and `tls cert create`.
const (
	DefaultCAValidity   = 5 * 365 * 24 * time.Hour
	DefaultCertValidity = 365 * 24 * time.Hour
)

// clockSkew backdates certificates so that hosts whose clocks differ a
// little accept them at once.
const clockSkew = time.Minute

// Authority signs certificates: the cluster CA, or the application CA the
// RM issues ApplicationMaster certificates with.
type Authority struct {
	// Cert is the authority's certificate.
	Cert *x509.Certificate
	// Key is its private key.
	Key crypto.Signer
	// Chain are the DER certificates between Cert and the root, Cert
	// first; empty for the root itself. Issued certificates carry them.
	Chain [][]byte
}

// KeyPair is an issued certificate with its key, in PEM.
type KeyPair struct {
	Cert *x509.Certificate
	// CertPEM is the certificate followed by the intermediates up to the
	// root, which peers need to verify it.
	CertPEM []byte
	KeyPEM  []byte
}

// CertRequest describes a certificate to issue.
type CertRequest struct {
	// Role is what the certificate lets its holder be.
	Role Role
	// Name is the subject's common name: a user name, a host, an attempt.
	Name string
	// Groups are a client's groups (the subject's Organization).
	Groups []string
	// DNSNames and IPs are the hosts a server certificate is valid for.
	DNSNames []string
	IPs      []net.IP
	// Validity is how long it is valid; 0 = DefaultCertValidity.
	Validity time.Duration
}

// NewCA creates a self-signed cluster CA named name.
func NewCA(name string, validity time.Duration) (*Authority, error) {
	if name == "" {
		return nil, errors.New("pki: the CA needs a name")
	}
	if validity <= 0 {
		validity = DefaultCAValidity
	}
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	tmpl, err := template(pkix.Name{CommonName: name, Organization: []string{"Spindle"}}, validity)
	if err != nil {
		return nil, err
	}
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("pki: create CA %s: %w", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Authority{Cert: cert, Key: key}, nil
}

// Issue creates a key and a certificate for req, signed by a.
func (a *Authority) Issue(req CertRequest) (*KeyPair, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	validity := req.Validity
	if validity <= 0 {
		validity = DefaultCertValidity
	}
	subject := pkix.Name{CommonName: req.Name, OrganizationalUnit: []string{string(req.Role)}}
	if req.Role == RoleClient {
		subject.Organization = req.Groups
	}
	tmpl, err := template(subject, validity)
	if err != nil {
		return nil, err
	}
	tmpl.DNSNames, tmpl.IPAddresses = req.DNSNames, req.IPs
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	switch req.Role {
	case RoleResourceManager, RoleNodeManager:
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	case RoleClient:
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	case RoleApplicationMaster:
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	case RoleApplicationCA:
		// An intermediate that can issue only ApplicationMaster server
		// certificates: no further CAs, no client certificates.
		tmpl.Subject.OrganizationalUnit = []string{string(RoleApplicationCA)}
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.MaxPathLen, tmpl.MaxPathLenZero = 0, true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	if end := a.Cert.NotAfter; tmpl.NotAfter.After(end) {
		tmpl.NotAfter = end
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.Cert, key.Public(), a.Key)
	if err != nil {
		return nil, fmt.Errorf("pki: issue %s certificate for %s: %w", req.Role, req.Name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	certPEM := encodeCerts(append([][]byte{der}, a.chainFromSelf()...))
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, err
	}
	return &KeyPair{Cert: cert, CertPEM: certPEM, KeyPEM: keyPEM}, nil
}

// chainFromSelf is what a certificate a issues must be sent with: a's own
// certificate and its chain, when a is not the root.
func (a *Authority) chainFromSelf() [][]byte {
	if isSelfSigned(a.Cert) {
		return nil
	}
	return append([][]byte{a.Cert.Raw}, a.Chain...)
}

func (r CertRequest) validate() error {
	switch r.Role {
	case RoleResourceManager, RoleNodeManager, RoleApplicationMaster:
		if len(r.DNSNames) == 0 && len(r.IPs) == 0 {
			return fmt.Errorf("pki: a %s certificate needs at least one host name or IP address", r.Role)
		}
	case RoleClient:
		if r.Name == "" {
			return errors.New("pki: a client certificate needs a user name")
		}
	case RoleApplicationCA:
	default:
		return fmt.Errorf("pki: unknown role %q: want resourcemanager, nodemanager, client, applicationmaster or application-ca", r.Role)
	}
	if r.Name == "" {
		return fmt.Errorf("pki: a %s certificate needs a common name", r.Role)
	}
	return nil
}

func newKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: generate key: %w", err)
	}
	return key, nil
}

func template(subject pkix.Name, validity time.Duration) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("pki: serial number: %w", err)
	}
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      subject,
		NotBefore:    now.Add(-clockSkew),
		NotAfter:     now.Add(validity),
	}, nil
}

func isSelfSigned(c *x509.Certificate) bool {
	return c.CheckSignatureFrom(c) == nil && c.Subject.String() == c.Issuer.String()
}
