package testutil

import (
	"crypto/tls"
	"net"
	"net/http"
	"os/user"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/resourcemanager"
	"google.golang.org/grpc"
)

// ClusterTLS is a test cluster's CA and certificates: every test cluster
// has a CA of its own.
type ClusterTLS struct {
	pki.Local
	// ClientTLS is the material of the default test user (TestUser), the
	// user every client of the cluster's harness is; nil for a cluster
	// without TLS.
	ClientTLS *pki.Material
	// Plaintext: the cluster runs with spindle.tls.insecure-plaintext.
	Plaintext bool
}

// plaintextConf is the one key of every party of a cluster without TLS.
var plaintextConf = []string{pki.KeyInsecurePlaintext + "=true"}

// RMConf are the ResourceManager's TLS keys.
func (t *ClusterTLS) RMConf() []string {
	if t.Plaintext {
		return plaintextConf
	}
	return t.Local.RMConf()
}

// NMConf are a NodeManager's TLS keys.
func (t *ClusterTLS) NMConf() []string {
	if t.Plaintext {
		return plaintextConf
	}
	return t.Local.NMConf()
}

// ClientConf are the default test user's TLS keys.
func (t *ClusterTLS) ClientConf() []string {
	if t.Plaintext {
		return plaintextConf
	}
	return t.Local.ClientConf()
}

// NewClusterTLS creates a CA and the certificates of a cluster in dir; the
// daemons' certificates are valid for the loopback addresses and ips.
func NewClusterTLS(tb testing.TB, dir string, ips ...net.IP) *ClusterTLS {
	tb.Helper()
	local, err := pki.CreateLocal(dir, TestUser(), 0, ips...)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := pki.LoadFiles(pki.Files{CA: local.CA, Cert: local.Client, Key: pki.KeyFileFor(local.Client)}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return &ClusterTLS{Local: local, ClientTLS: m}
}

// TestUser is the user the harness's clients are: the OS user running the
// tests, as the user of a cluster without TLS would be.
func TestUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "tester"
}

// UserConf issues a client certificate for user (with groups) and returns
// the TLS keys of a client that is that user.
func (t *ClusterTLS) UserConf(tb testing.TB, name string, groups ...string) []string {
	tb.Helper()
	return pki.CertConf(t.CA, t.IssueClient(tb, name, groups...))
}

// IssueClient writes a client certificate for user and returns its file.
func (t *ClusterTLS) IssueClient(tb testing.TB, name string, groups ...string) string {
	tb.Helper()
	kp, err := t.Authority.Issue(pki.CertRequest{Role: pki.RoleClient, Name: name, Groups: groups})
	if err != nil {
		tb.Fatal(err)
	}
	cert, _, err := pki.WritePair(t.Dir, pki.ClientFile(name), kp.CertPEM, kp.KeyPEM, true)
	if err != nil {
		tb.Fatal(err)
	}
	return cert
}

// UserTLS is the material of a client that is user.
func (t *ClusterTLS) UserTLS(tb testing.TB, name string, groups ...string) *pki.Material {
	tb.Helper()
	cert := t.IssueClient(tb, name, groups...)
	m, err := pki.LoadFiles(pki.Files{CA: t.CA, Cert: cert, Key: pki.KeyFileFor(cert)}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// Which cluster's credentials a test dials an address with.
var (
	dialMu  sync.Mutex
	dialTLS = map[string]*pki.Material{}
)

// registerAddr makes Dial use m for addr.
func registerAddr(addr string, m *pki.Material) {
	dialMu.Lock()
	defer dialMu.Unlock()
	dialTLS[addr] = m
}

// DialOption is how the harness dials addr: with the credentials of the
// default user of the test cluster that serves it.
func DialOption(tb testing.TB, addr string) grpc.DialOption {
	tb.Helper()
	return pki.GRPCDialOption(clusterOf(tb, addr))
}

// clusterOf is the material of the default user of the test cluster that
// serves addr.
func clusterOf(tb testing.TB, addr string) *pki.Material {
	tb.Helper()
	dialMu.Lock()
	m, ok := dialTLS[addr]
	dialMu.Unlock()
	if !ok {
		tb.Fatalf("no test cluster serves %s: reach the addresses of a cluster the harness started", addr)
	}
	return m
}

// material loads the certificate cert (with its key beside it) and the CA.
func (t *ClusterTLS) material(tb testing.TB, cert string) *pki.Material {
	tb.Helper()
	m, err := pki.LoadFiles(pki.Files{CA: t.CA, Cert: cert, Key: pki.KeyFileFor(cert)}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// HTTPClient is how the harness reaches the web address addr (host:port)
// of a test cluster: as its default user. URLs are URL(addr, path).
func HTTPClient(tb testing.TB, addr string) *http.Client {
	tb.Helper()
	return pki.HTTPClient(clusterOf(tb, addr), 30*time.Second)
}

// URL is the URL of path on the web address addr of a test cluster.
func URL(addr, path string) string {
	dialMu.Lock()
	m := dialTLS[addr]
	dialMu.Unlock()
	return pki.Scheme(m) + "://" + addr + path
}

// TLSConfig is the TLS client configuration the harness reaches addr
// (host:port) of a test cluster with, for tests that speak raw HTTP.
func TLSConfig(tb testing.TB, addr string) *tls.Config {
	tb.Helper()
	host, _, _ := net.SplitHostPort(addr)
	return clusterOf(tb, addr).ClientConfig(host)
}

// registered is the material the harness reaches addr with, when a test
// cluster serves it.
func registered(addr string) (*pki.Material, bool) {
	dialMu.Lock()
	defer dialMu.Unlock()
	m, ok := dialTLS[addr]
	return m, ok
}

// RegisterPlaintext makes the harness reach addrs, served by daemons a
// test started itself without TLS, in plain text.
func RegisterPlaintext(addrs ...string) {
	for _, a := range addrs {
		registerAddr(a, nil)
	}
}

// RegisterTLS makes the harness reach addrs, served by daemons a test
// started itself, with m.
func RegisterTLS(m *pki.Material, addrs ...string) {
	for _, a := range addrs {
		registerAddr(a, m)
	}
}

// SecureRM gives an RM configuration the cluster's RM certificate and
// application CA, as a test RM of this cluster.
func (t *ClusterTLS) SecureRM(tb testing.TB, cfg *resourcemanager.Config) {
	tb.Helper()
	cfg.TLS = t.material(tb, t.RM)
	appCA, err := pki.LoadAuthority(t.AppCA, pki.KeyFileFor(t.AppCA))
	if err != nil {
		tb.Fatal(err)
	}
	cfg.AppCA = appCA
}
