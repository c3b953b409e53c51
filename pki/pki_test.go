package pki

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testPKI is a CA with one certificate of each role, on disk.
type testPKI struct {
	dir string
	ca  *Authority
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	ca, err := NewCA("test cluster CA", 0)
	if err != nil {
		t.Fatal(err)
	}
	p := &testPKI{dir: t.TempDir(), ca: ca}
	p.write(t, "ca.pem", ca.CertPEM())
	return p
}

func (p *testPKI) write(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// files issues req and writes it as name.pem and name-key.pem.
func (p *testPKI) files(t *testing.T, name string, req CertRequest) Files {
	t.Helper()
	kp, err := p.ca.Issue(req)
	if err != nil {
		t.Fatal(err)
	}
	return Files{CA: filepath.Join(p.dir, "ca.pem"), Cert: p.write(t, name+".pem", kp.CertPEM), Key: p.write(t, name+"-key.pem", kp.KeyPEM)}
}

func localhost(role Role, name string) CertRequest {
	return CertRequest{Role: role, Name: name, DNSNames: []string{"localhost"}, IPs: []net.IP{net.ParseIP("127.0.0.1")}}
}

func load(t *testing.T, f Files) *Material {
	t.Helper()
	m, err := LoadFiles(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// handshake runs one TLS connection between a server and a client and
// returns the client's and the server's errors and the server's view of
// the client's certificate.
func handshake(t *testing.T, server, client *tls.Config, serverName string) (clientErr, serverErr error, peer []*x509.Certificate) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	type result struct {
		err  error
		peer []*x509.Certificate
	}
	done := make(chan result, 1)
	go func() {
		c, err := lis.Accept()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer c.Close()
		tc := tls.Server(c, server)
		err = tc.Handshake()
		if err == nil {
			// TLS 1.3 clients learn of a refusal only when they read.
			_, err = tc.Write([]byte("ok"))
		}
		done <- result{err: err, peer: tc.ConnectionState().PeerCertificates}
	}()
	cfg := client.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = serverName
	}
	c, err := tls.Dial("tcp", lis.Addr().String(), cfg)
	if err == nil {
		_, err = io.ReadAll(c)
		c.Close()
	}
	r := <-done
	return err, r.err, r.peer
}

func TestMutualTLSBetweenRoles(t *testing.T) {
	p := newTestPKI(t)
	rm := load(t, p.files(t, "rm", localhost(RoleResourceManager, "resourcemanager")))
	nm := load(t, p.files(t, "nm", localhost(RoleNodeManager, "localhost")))
	alice := load(t, p.files(t, "alice", CertRequest{Role: RoleClient, Name: "alice", Groups: []string{"analysts", "ops"}}))
	caOnly := load(t, Files{CA: filepath.Join(p.dir, "ca.pem")})

	cErr, sErr, peer := handshake(t, rm.ServerConfig(ClientCertRequired), alice.ClientConfig("127.0.0.1"), "127.0.0.1")
	if cErr != nil || sErr != nil {
		t.Fatalf("alice → RM: client %v, server %v", cErr, sErr)
	}
	id, err := IdentityOf(peer[0])
	if err != nil || id.Role != RoleClient || id.Name != "alice" || strings.Join(id.Groups, ",") != "analysts,ops" {
		t.Fatalf("RM sees alice as %#v, %v", id, err)
	}
	if id.String() != "user alice" {
		t.Fatalf("identity string %q", id.String())
	}
	if _, sErr, _ := handshake(t, rm.ServerConfig(ClientCertRequired), nm.ClientConfig("localhost"), "localhost"); sErr != nil {
		t.Fatalf("NM → RM: %v", sErr)
	}
	// A caller with only the CA (an AM) is refused where a certificate is
	// required and let in where it is optional.
	if _, sErr, _ := handshake(t, rm.ServerConfig(ClientCertRequired), caOnly.ClientConfig("127.0.0.1"), "127.0.0.1"); !errors.Is(sErr, ErrNoClientCertificate) {
		t.Fatalf("no client certificate where required: server error %v", sErr)
	}
	if cErr, sErr, peer := handshake(t, rm.ServerConfig(ClientCertOptional), caOnly.ClientConfig("127.0.0.1"), "127.0.0.1"); cErr != nil || sErr != nil || len(peer) != 0 {
		t.Fatalf("no client certificate where optional: %v, %v, %d certificates", cErr, sErr, len(peer))
	}
	// Server host names are checked.
	if cErr, _, _ := handshake(t, rm.ServerConfig(ClientCertRequired), alice.ClientConfig("rm.example.com"), "rm.example.com"); cErr == nil || !strings.Contains(cErr.Error(), "rm.example.com") {
		t.Fatalf("a server certificate for another host was accepted: %v", cErr)
	}
	// A client certificate cannot serve.
	if cErr, _, _ := handshake(t, alice.ServerConfig(ClientCertRequired), rm.ClientConfig("127.0.0.1"), "127.0.0.1"); cErr == nil {
		t.Fatal("a client certificate was accepted as a server's")
	}
}

func TestAnotherCAIsRefused(t *testing.T) {
	p := newTestPKI(t)
	rm := load(t, p.files(t, "rm", localhost(RoleResourceManager, "resourcemanager")))
	other := newTestPKI(t)
	mallory := load(t, other.files(t, "mallory", CertRequest{Role: RoleClient, Name: "admin"}))
	// Mallory trusts the cluster's CA, so that it is the server that refuses.
	mallory.cur.roots = rm.cur.roots
	_, sErr, _ := handshake(t, rm.ServerConfig(ClientCertOptional), mallory.ClientConfig("127.0.0.1"), "127.0.0.1")
	if sErr == nil || !strings.Contains(sErr.Error(), "does not verify against the cluster CA") {
		t.Fatalf("a certificate from another CA: server error %v", sErr)
	}
	// And a server from another CA is not trusted by clients.
	fake := load(t, other.files(t, "fake-rm", localhost(RoleResourceManager, "resourcemanager")))
	alice := load(t, p.files(t, "alice", CertRequest{Role: RoleClient, Name: "alice"}))
	if cErr, _, _ := handshake(t, fake.ServerConfig(ClientCertOptional), alice.ClientConfig("127.0.0.1"), "127.0.0.1"); cErr == nil {
		t.Fatal("a client trusted a server from another CA")
	}
}

func TestApplicationCAIssuesOnlyServerCertificates(t *testing.T) {
	p := newTestPKI(t)
	kp, err := p.ca.Issue(CertRequest{Role: RoleApplicationCA, Name: "application CA"})
	if err != nil {
		t.Fatal(err)
	}
	certs, err := ParseCertificates("app CA", kp.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ParseKey("app CA key", kp.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	appCA, err := NewAuthority(certs, key)
	if err != nil {
		t.Fatal(err)
	}
	am, err := appCA.Issue(localhost(RoleApplicationMaster, "appattempt_1_0001_000001"))
	if err != nil {
		t.Fatal(err)
	}
	amMat, err := FromPEM(p.ca.CertPEM(), am.CertPEM, am.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	alice := load(t, p.files(t, "alice", CertRequest{Role: RoleClient, Name: "alice"}))
	// Clients that trust only the cluster CA verify the AM through the chain it sends.
	if cErr, sErr, _ := handshake(t, amMat.ServerConfig(ClientCertRequired), alice.ClientConfig("127.0.0.1"), "127.0.0.1"); cErr != nil || sErr != nil {
		t.Fatalf("alice → AM: %v, %v", cErr, sErr)
	}
	// A client certificate from the application CA is refused: whoever
	// holds it can issue AM certificates, not users.
	forged, err := appCA.Issue(CertRequest{Role: RoleClient, Name: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	forgedMat, err := FromPEM(p.ca.CertPEM(), forged.CertPEM, forged.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	rm := load(t, p.files(t, "rm", localhost(RoleResourceManager, "resourcemanager")))
	if _, sErr, _ := handshake(t, rm.ServerConfig(ClientCertRequired), forgedMat.ClientConfig("127.0.0.1"), "127.0.0.1"); sErr == nil {
		t.Fatal("a client certificate issued by the application CA was accepted")
	}
}

func TestCertificateReloadedWhenItsFileChanges(t *testing.T) {
	p := newTestPKI(t)
	f := p.files(t, "rm", localhost(RoleResourceManager, "first"))
	rm := load(t, f)
	alice := load(t, p.files(t, "alice", CertRequest{Role: RoleClient, Name: "alice"}))
	served := func() string {
		var name string
		cfg := alice.ClientConfig("127.0.0.1")
		lis, _ := net.Listen("tcp", "127.0.0.1:0")
		defer lis.Close()
		go func() {
			c, err := lis.Accept()
			if err == nil {
				tls.Server(c, rm.ServerConfig(ClientCertRequired)).Handshake()
				c.Close()
			}
		}()
		c, err := tls.Dial("tcp", lis.Addr().String(), cfg)
		if err == nil {
			name = c.ConnectionState().PeerCertificates[0].Subject.CommonName
			c.Close()
		}
		return name
	}
	if got := served(); got != "first" {
		t.Fatalf("served %q, want first", got)
	}
	// A half-written replacement is ignored.
	if err := os.WriteFile(f.Cert, []byte("-----BEGIN CERT"), 0o600); err != nil {
		t.Fatal(err)
	}
	kp, err := p.ca.Issue(localhost(RoleResourceManager, "second"))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && rm.brokenSeen() == "" {
		rm.current()
		time.Sleep(50 * time.Millisecond)
	}
	if got := served(); got != "first" {
		t.Fatalf("after a broken write served %q, want first", got)
	}
	os.WriteFile(f.Key, kp.KeyPEM, 0o600)
	os.WriteFile(f.Cert, kp.CertPEM, 0o600)
	got := ""
	for time.Now().Before(deadline.Add(5*time.Second)) && got != "second" {
		got = served()
		time.Sleep(50 * time.Millisecond)
	}
	if got != "second" {
		t.Fatalf("after replacing the files served %q, want second", got)
	}
}

func (m *Material) brokenSeen() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.badStamp
}

func TestAppKey(t *testing.T) {
	secret, err := NewAppSecret()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewAppSecret()
	driver, err := NewAppKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	executor, _ := NewAppKey(secret)
	rogue, _ := NewAppKey(other)
	if cErr, sErr, _ := handshake(t, driver.ServerConfig(), executor.ClientConfig(), "x"); cErr != nil || sErr != nil {
		t.Fatalf("executor → driver with the application's secret: %v, %v", cErr, sErr)
	}
	trusting := rogue.ClientConfig()
	trusting.VerifyPeerCertificate = nil // so that it is the driver that refuses
	if _, sErr, _ := handshake(t, driver.ServerConfig(), trusting, "x"); !errors.Is(sErr, ErrNotThisApplication) {
		t.Fatalf("rogue executor: server error %v", sErr)
	}
	if cErr, _, _ := handshake(t, rogue.ServerConfig(), executor.ClientConfig(), "x"); cErr == nil {
		t.Fatal("an executor talked to a driver without the application's secret")
	}
	noCert := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS13}
	if _, sErr, _ := handshake(t, driver.ServerConfig(), noCert, "x"); sErr == nil {
		t.Fatal("a client without a certificate got through")
	}
	for _, bad := range []string{"", "not base64!", "c2hvcnQ="} {
		if _, err := NewAppKey(bad); err == nil {
			t.Fatalf("NewAppKey(%q) succeeded", bad)
		}
	}
}

func TestIssueRefusesIncompleteRequests(t *testing.T) {
	ca, _ := NewCA("ca", time.Hour)
	for _, req := range []CertRequest{
		{Role: RoleResourceManager, Name: "rm"},
		{Role: RoleClient},
		{Role: "wizard", Name: "x"},
	} {
		if _, err := ca.Issue(req); err == nil {
			t.Fatalf("Issue(%+v) succeeded", req)
		}
	}
	kp, err := ca.Issue(CertRequest{Role: RoleClient, Name: "bob", Validity: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if kp.Cert.NotAfter.After(ca.Cert.NotAfter) {
		t.Fatalf("certificate outlives its CA: %v > %v", kp.Cert.NotAfter, ca.Cert.NotAfter)
	}
}

func TestLoadFilesErrors(t *testing.T) {
	p := newTestPKI(t)
	f := p.files(t, "nm", localhost(RoleNodeManager, "nm"))
	other := p.files(t, "nm2", localhost(RoleNodeManager, "nm2"))
	for name, files := range map[string]Files{
		"no CA":            {Cert: f.Cert, Key: f.Key},
		"key of another":   {CA: f.CA, Cert: f.Cert, Key: other.Key},
		"cert without key": {CA: f.CA, Cert: f.Cert},
		"missing file":     {CA: filepath.Join(p.dir, "nope.pem")},
	} {
		if _, err := LoadFiles(files, nil); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}
