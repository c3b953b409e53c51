package pki

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"go.uber.org/zap"
)

// ReloadCheckInterval is how often, at most, the files behind a Material
// are checked for changes (their size and modification time).
const ReloadCheckInterval = time.Second

// Files names the PEM files of one party of the cluster.
type Files struct {
	// CA holds the certificates of the CAs peers are verified against
	// (spindle.tls.ca-file); several during a CA rotation.
	CA string
	// Cert is the party's certificate followed by its chain
	// (spindle.tls.cert-file); empty for a party that only verifies
	// others.
	Cert string
	// Key is the certificate's private key (spindle.tls.key-file).
	Key string
}

// Material is one party's TLS material: the CAs it trusts and its own
// certificate. Loaded from Files, it is read again when a file changes, so
// that a renewed certificate or an added CA takes effect on the next
// connection without a restart; a change that does not load (a file
// half-written, a key that does not match) keeps the previous material
// and is logged.
type Material struct {
	load  func() (*state, error)
	stamp func() string
	lg    *zap.Logger
	what  string

	mu        sync.Mutex
	cur       *state
	curStamp  string
	badStamp  string
	lastCheck time.Time
}

// state is one loaded version of the material.
type state struct {
	caPEM []byte
	roots *x509.CertPool
	cert  *tls.Certificate
	leaf  *x509.Certificate
}

// LoadFiles loads f; lg receives reload messages (nil = none).
func LoadFiles(f Files, lg *zap.Logger) (*Material, error) {
	if f.CA == "" {
		return nil, errors.New("pki: no CA certificate file: set spindle.tls.ca-file")
	}
	if (f.Cert == "") != (f.Key == "") {
		return nil, fmt.Errorf("pki: certificate %q and key %q: set both spindle.tls.cert-file and spindle.tls.key-file, or neither", f.Cert, f.Key)
	}
	m := &Material{
		what:  f.CA,
		lg:    lg,
		stamp: func() string { return fileStamp(f.CA) + fileStamp(f.Cert) + fileStamp(f.Key) },
		load: func() (*state, error) {
			ca, err := os.ReadFile(f.CA)
			if err != nil {
				return nil, fmt.Errorf("pki: read spindle.tls.ca-file: %w", err)
			}
			var cert, key []byte
			if f.Cert != "" {
				if cert, err = os.ReadFile(f.Cert); err != nil {
					return nil, fmt.Errorf("pki: read spindle.tls.cert-file: %w", err)
				}
				if key, err = os.ReadFile(f.Key); err != nil {
					return nil, fmt.Errorf("pki: read spindle.tls.key-file: %w", err)
				}
			}
			return parseState(f.CA, ca, f.Cert, cert, key)
		},
	}
	if m.lg == nil {
		m.lg = zap.NewNop()
	}
	if f.Cert != "" {
		m.what = f.Cert
	}
	m.curStamp = m.stamp()
	var err error
	if m.cur, err = m.load(); err != nil {
		return nil, err
	}
	m.lastCheck = time.Now()
	return m, nil
}

// FromPEM builds material that never changes from PEM: the trusted CAs and,
// optionally, a certificate (with its chain) and its key. Containers get
// theirs this way, from their environment.
func FromPEM(caPEM, certPEM, keyPEM []byte) (*Material, error) {
	st, err := parseState("CA certificate", caPEM, "certificate", certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &Material{cur: st, stamp: func() string { return "" }, load: func() (*state, error) { return st, nil }, lg: zap.NewNop()}, nil
}

func parseState(caWhat string, ca []byte, certWhat string, cert, key []byte) (*state, error) {
	cas, err := ParseCertificates(caWhat, ca)
	if err != nil {
		return nil, err
	}
	st := &state{roots: x509.NewCertPool(), caPEM: ca}
	for _, c := range cas {
		st.roots.AddCert(c)
	}
	if len(cert) == 0 && len(key) == 0 {
		return st, nil
	}
	pair, err := tls.X509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("pki: %s and its key: %w", certWhat, err)
	}
	if st.leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
		return nil, fmt.Errorf("pki: %s: %w", certWhat, err)
	}
	pair.Leaf = st.leaf
	st.cert = &pair
	return st, nil
}

// fileStamp changes when the file is replaced or written.
func fileStamp(path string) string {
	if path == "" {
		return "-"
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "missing;"
	}
	return fmt.Sprintf("%d/%d;", fi.Size(), fi.ModTime().UnixNano())
}

// current returns the material, reloading it first when its files changed.
func (m *Material) current() *state {
	m.mu.Lock()
	defer m.mu.Unlock()
	if time.Since(m.lastCheck) < ReloadCheckInterval {
		return m.cur
	}
	m.lastCheck = time.Now()
	s := m.stamp()
	if s == m.curStamp || s == m.badStamp {
		return m.cur
	}
	st, err := m.load()
	if err != nil {
		m.badStamp = s
		m.lg.Warn("TLS files changed but do not load; keeping the previous certificates", zap.String("file", m.what), zap.Error(err))
		return m.cur
	}
	m.cur, m.curStamp, m.badStamp = st, s, ""
	if st.leaf != nil {
		m.lg.Info("TLS certificate reloaded", zap.String("file", m.what), zap.String("serial", st.leaf.SerialNumber.Text(16)), zap.Time("notAfter", st.leaf.NotAfter))
	} else {
		m.lg.Info("TLS CA certificates reloaded", zap.String("file", m.what))
	}
	return m.cur
}

// Identity is who this party's own certificate names.
func (m *Material) Identity() (Identity, error) {
	st := m.current()
	if st.leaf == nil {
		return Identity{}, errors.New("pki: no certificate: set spindle.tls.cert-file and spindle.tls.key-file")
	}
	return IdentityOf(st.leaf)
}

// CAPEM is the trusted CAs' certificates as loaded, to hand to a party
// that verifies the cluster with them.
func (m *Material) CAPEM() []byte { return m.current().caPEM }

// SetLogger sends reload messages to lg.
func (m *Material) SetLogger(lg *zap.Logger) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lg = lg
}

// HasCertificate reports whether the material includes a certificate of
// its own, not only CAs.
func (m *Material) HasCertificate() bool { return m.current().cert != nil }

// Certificate returns the current certificate and key; nil when there is
// none.
func (m *Material) Certificate() *tls.Certificate { return m.current().cert }
