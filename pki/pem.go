package pki

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// PEM block types.
const (
	pemCertificate = "CERTIFICATE"
	pemPrivateKey  = "PRIVATE KEY"
)

func encodeCerts(ders [][]byte) []byte {
	var out []byte
	for _, der := range ders {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: der})...)
	}
	return out
}

func encodeKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPrivateKey, Bytes: der}), nil
}

// CertPEM is a's certificate in PEM, what peers need to trust it.
func (a *Authority) CertPEM() []byte { return encodeCerts([][]byte{a.Cert.Raw}) }

// KeyPEM is a's private key in PEM.
func (a *Authority) KeyPEM() ([]byte, error) { return encodeKey(a.Key) }

// ParseCertificates reads every CERTIFICATE block of a PEM bundle; what
// names the bundle in errors.
func ParseCertificates(what string, raw []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := raw; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != pemCertificate {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pki: %s: %w", what, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("pki: %s holds no PEM certificate", what)
	}
	return certs, nil
}

// ParseKey reads the first private key (PKCS#8, EC or PKCS#1) of a PEM
// file; what names it in errors.
func ParseKey(what string, raw []byte) (crypto.Signer, error) {
	for rest := raw; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, fmt.Errorf("pki: %s holds no PEM private key", what)
		}
		var key any
		var err error
		switch b.Type {
		case pemPrivateKey:
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("pki: %s: %w", what, err)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("pki: %s: unsupported key type %T", what, key)
		}
		return signer, nil
	}
}

// LoadAuthority reads a CA's certificate (and the chain up to the root
// after it) and its key.
func LoadAuthority(certFile, keyFile string) (*Authority, error) {
	rawCert, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("pki: read CA certificate: %w", err)
	}
	certs, err := ParseCertificates(certFile, rawCert)
	if err != nil {
		return nil, err
	}
	rawKey, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("pki: read CA key: %w", err)
	}
	key, err := ParseKey(keyFile, rawKey)
	if err != nil {
		return nil, err
	}
	return NewAuthority(certs, key)
}

// NewAuthority checks that key belongs to certs[0], a CA certificate, and
// returns it as an Authority; certs[1:] are its chain up to the root.
func NewAuthority(certs []*x509.Certificate, key crypto.Signer) (*Authority, error) {
	if len(certs) == 0 {
		return nil, errors.New("pki: no CA certificate")
	}
	ca := certs[0]
	if !ca.IsCA {
		return nil, fmt.Errorf("pki: certificate %q is not a CA", ca.Subject.String())
	}
	if !publicKeysEqual(ca.PublicKey, key.Public()) {
		return nil, fmt.Errorf("pki: the key does not belong to CA certificate %q", ca.Subject.String())
	}
	a := &Authority{Cert: ca, Key: key}
	for _, c := range certs[1:] {
		a.Chain = append(a.Chain, c.Raw)
	}
	return a, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// WriteFile writes data to path, refusing to replace an existing file;
// keys get mode 0600, certificates 0644.
func WriteFile(path string, data []byte, secret bool) error {
	mode := os.FileMode(0o644)
	if secret {
		mode = 0o600
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("pki: %s already exists: move it away or choose another directory", path)
		}
		return fmt.Errorf("pki: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("pki: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("pki: write %s: %w", path, err)
	}
	return nil
}
