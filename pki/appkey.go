package pki

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// AppSecretLen is the size of an application's secret.
const AppSecretLen = 32

// appKeyInfo separates the Task endpoint's key from anything else that
// may one day be derived from the same secret.
const appKeyInfo = "spindle task endpoint ed25519 v1"

// ErrNotThisApplication refuses a Task endpoint peer that does not hold the
// application's secret.
var ErrNotThisApplication = errors.New("pki: the peer does not hold this application's secret (spark.authenticate)")

// NewAppSecret returns a fresh application secret, base64-encoded as it
// travels in a container's environment.
func NewAppSecret() (string, error) {
	b := make([]byte, AppSecretLen)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("pki: generate application secret: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// AppKey is the TLS identity an application's driver and executors share,
// derived from the application's secret: both ends present a certificate
// for the same Ed25519 key and accept only a peer that proves it holds that
// key, so the secret itself never crosses the network, and a process
// without it can neither register as an executor nor pose as the driver.
type AppKey struct {
	cert tls.Certificate
	pub  ed25519.PublicKey
}

// NewAppKey derives the key of the application whose secret (base64) is
// given.
func NewAppKey(secretB64 string) (*AppKey, error) {
	secret, err := base64.StdEncoding.DecodeString(secretB64)
	if err != nil {
		return nil, fmt.Errorf("pki: application secret is not base64: %w", err)
	}
	if len(secret) < AppSecretLen {
		return nil, fmt.Errorf("pki: application secret of %d bytes, want %d", len(secret), AppSecretLen)
	}
	seed, err := hkdf.Key(sha256.New, secret, nil, appKeyInfo, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("pki: derive application key: %w", err)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "spindle application"},
		NotBefore:    now.Add(-clockSkew),
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		return nil, fmt.Errorf("pki: application certificate: %w", err)
	}
	return &AppKey{cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}, pub: pub}, nil
}

// verify accepts a peer whose certificate is for the application's key;
// the TLS handshake has proved the peer holds its private key.
func (k *AppKey) verify(raw [][]byte, _ [][]*x509.Certificate) error {
	if len(raw) == 0 {
		return ErrNotThisApplication
	}
	leaf, err := x509.ParseCertificate(raw[0])
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotThisApplication, err)
	}
	if pub, ok := leaf.PublicKey.(ed25519.PublicKey); !ok || !pub.Equal(k.pub) {
		return ErrNotThisApplication
	}
	return nil
}

// ServerConfig is the Task endpoint's TLS: only the application's own
// executors (and, in client mode, its AM) get through.
func (k *AppKey) ServerConfig() *tls.Config {
	return &tls.Config{
		MinVersion:            tls.VersionTLS13,
		Certificates:          []tls.Certificate{k.cert},
		ClientAuth:            tls.RequireAnyClientCert,
		VerifyPeerCertificate: k.verify,
	}
}

// ClientConfig is an executor's TLS to its driver: it talks only to a
// driver that holds the application's secret.
func (k *AppKey) ClientConfig() *tls.Config {
	return &tls.Config{
		MinVersion:            tls.VersionTLS13,
		Certificates:          []tls.Certificate{k.cert},
		InsecureSkipVerify:    true, // the peer is checked by key in VerifyPeerCertificate
		VerifyPeerCertificate: k.verify,
	}
}
