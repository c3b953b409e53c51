package sdk

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"strconv"
	"time"
)

// The host and its job plugin talk over mutual TLS. go-plugin's own
// (AutoMTLS) makes a P-521 certificate in each process and signs and
// verifies with it at the handshake, some tens of milliseconds of an
// executor's start. Spindle's host makes both certificates on P-256
// instead, and hands the plugin its key and certificate, with the host's
// certificate, over a pipe that only the plugin inherits (envTLSFD). A job
// built with an sdk that does not know the pipe falls back to go-plugin's
// AutoMTLS against the host's certificate, which the host also offers
// the way AutoMTLS does (PLUGIN_CLIENT_CERT).

// envTLSFD names the plugin's file descriptor of its TLS material.
const envTLSFD = "SPINDLE_JOB_TLS_FD"

// PEM block types of the material handed to the plugin.
const (
	pemPluginCert = "SPINDLE PLUGIN CERTIFICATE"
	pemPluginKey  = "SPINDLE PLUGIN PRIVATE KEY"
	pemHostCert   = "SPINDLE HOST CERTIFICATE"
)

// maxTLSMaterial bounds what the plugin reads from the pipe.
const maxTLSMaterial = 64 << 10

// pluginTLS is the host's side of a plugin's mutual TLS.
type pluginTLS struct {
	// config is the host's TLS client config.
	config *tls.Config
	// hostCertPEM is the host's certificate, for PLUGIN_CLIENT_CERT.
	hostCertPEM []byte
	// material is what the plugin reads from the pipe.
	material []byte
}

// newPluginTLS makes a certificate for the host and one for the plugin,
// each trusting only the other.
func newPluginTLS() (*pluginTLS, error) {
	hostCert, hostKey, err := selfSignedP256()
	if err != nil {
		return nil, err
	}
	plugCert, plugKey, err := selfSignedP256()
	if err != nil {
		return nil, err
	}
	hostPair, err := keyPair(hostCert, hostKey)
	if err != nil {
		return nil, err
	}
	plugLeaf, err := x509.ParseCertificate(plugCert)
	if err != nil {
		return nil, fmt.Errorf("sdk: plugin TLS certificate: %w", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(plugLeaf)
	keyDER, err := x509.MarshalECPrivateKey(plugKey)
	if err != nil {
		return nil, fmt.Errorf("sdk: plugin TLS key: %w", err)
	}
	var material bytes.Buffer
	for _, b := range []*pem.Block{{Type: pemPluginCert, Bytes: plugCert}, {Type: pemPluginKey, Bytes: keyDER}, {Type: pemHostCert, Bytes: hostCert}} {
		if err := pem.Encode(&material, b); err != nil {
			return nil, err
		}
	}
	return &pluginTLS{
		config: &tls.Config{
			Certificates: []tls.Certificate{hostPair},
			RootCAs:      roots,
			ServerName:   "localhost",
			MinVersion:   tls.VersionTLS12,
		},
		hostCertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hostCert}),
		material:    material.Bytes(),
	}, nil
}

// pipe returns the read end of a pipe holding the material, for the
// plugin to inherit; the caller closes it once the plugin has started.
func (t *pluginTLS) pipe() (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("sdk: plugin TLS pipe: %w", err)
	}
	// The material is a few KiB, well within a pipe's buffer.
	_, err = w.Write(t.material)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("sdk: plugin TLS pipe: %w", err)
	}
	return r, nil
}

// pluginTLSFromEnv is the plugin's TLS server config from the material
// the host handed over; nil when the host handed none.
func pluginTLSFromEnv() (*tls.Config, error) {
	v := os.Getenv(envTLSFD)
	if v == "" {
		return nil, nil
	}
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("sdk: %s=%q is not a file descriptor", envTLSFD, v)
	}
	f := os.NewFile(uintptr(fd), "spindle-job-tls")
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxTLSMaterial))
	if err != nil {
		return nil, fmt.Errorf("sdk: read TLS material: %w", err)
	}
	return pluginTLSConfig(raw)
}

// pluginTLSConfig builds the plugin's server config from the material.
func pluginTLSConfig(raw []byte) (*tls.Config, error) {
	blocks := map[string][]byte{}
	for {
		var b *pem.Block
		b, raw = pem.Decode(raw)
		if b == nil {
			break
		}
		blocks[b.Type] = b.Bytes
	}
	cert, key, host := blocks[pemPluginCert], blocks[pemPluginKey], blocks[pemHostCert]
	if cert == nil || key == nil || host == nil {
		return nil, errors.New("sdk: TLS material lacks the plugin's certificate, its key or the host's certificate")
	}
	k, err := x509.ParseECPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("sdk: TLS material: key: %w", err)
	}
	pair, err := keyPair(cert, k)
	if err != nil {
		return nil, err
	}
	hc, err := x509.ParseCertificate(host)
	if err != nil {
		return nil, fmt.Errorf("sdk: TLS material: host certificate: %w", err)
	}
	clients := x509.NewCertPool()
	clients.AddCert(hc)
	return &tls.Config{
		Certificates: []tls.Certificate{pair},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    clients,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// selfSignedP256 makes a key and a self-signed certificate for
// "localhost", valid for both ends of a connection.
func selfSignedP256() (der []byte, key *ecdsa.PrivateKey, err error) {
	key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("sdk: plugin TLS key: %w", err)
	}
	sn, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"Spindle job plugin"}},
		DNSNames:              []string{"localhost"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("sdk: plugin TLS certificate: %w", err)
	}
	return der, key, nil
}

func keyPair(der []byte, key *ecdsa.PrivateKey) (tls.Certificate, error) {
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("sdk: plugin TLS certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}
