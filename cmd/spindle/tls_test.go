package main

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/pki"
)

// TestTLSCommandsMakeAClustersFiles: `spindle tls ca create` and `cert
// create` make a CA and certificates that verify against it, with the
// roles, users and hosts asked for, keys readable by their owner only.
func TestTLSCommandsMakeAClustersFiles(t *testing.T) {
	dir := t.TempDir()
	in := func(args ...string) []string {
		return append(args, "--dir", dir, "--ca", filepath.Join(dir, pki.CAFile), "--key", filepath.Join(dir, pki.CAKeyFile))
	}
	out := runSpindleArgs(t, "tls", "ca", "create", "--dir", dir).mustSucceed(t)
	mentions(t, "ca create", out.stdout, pki.CAFile, "spindle.tls.ca-file")
	runSpindleArgs(t, in("tls", "cert", "create", "--server", "--additional-dnsname", "rm.example.com", "--additional-ipaddress", "10.0.0.5")...).mustSucceed(t)
	runSpindleArgs(t, in("tls", "cert", "create", "--nm", "--additional-dnsname", "worker7.example.com")...).mustSucceed(t)
	runSpindleArgs(t, in("tls", "cert", "create", "--nm", "--additional-dnsname", "worker8.example.com")...).mustSucceed(t)
	out = runSpindleArgs(t, in("tls", "cert", "create", "--client", "--user", "alice", "--group", "analysts")...).mustSucceed(t)
	mentions(t, "cert create --client", out.stdout, "spindle.tls.cert-file="+filepath.Join(dir, "spindle-client-alice.pem"))
	runSpindleArgs(t, in("tls", "cert", "create", "--application-ca")...).mustSucceed(t)

	for name, want := range map[string]pki.Identity{
		pki.ServerFile:             {Role: pki.RoleResourceManager, Name: "resourcemanager", Hosts: []string{"rm.example.com", "10.0.0.5", "127.0.0.1"}},
		pki.NMFile:                 {Role: pki.RoleNodeManager, Hosts: []string{"worker7.example.com"}},
		"spindle-nm-1.pem":         {Role: pki.RoleNodeManager, Hosts: []string{"worker8.example.com"}},
		"spindle-client-alice.pem": {Role: pki.RoleClient, Name: "alice", Groups: []string{"analysts"}},
	} {
		m, err := pki.LoadFiles(pki.Files{CA: filepath.Join(dir, pki.CAFile), Cert: filepath.Join(dir, name), Key: filepath.Join(dir, pki.KeyFileFor(name))}, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cert := m.Certificate()
		id, err := m.Identity()
		if err != nil {
			t.Fatal(err)
		}
		usage := x509.ExtKeyUsageServerAuth
		if id.Role == pki.RoleClient {
			usage = x509.ExtKeyUsageClientAuth
		}
		if _, err := m.Verify([]*x509.Certificate{cert.Leaf}, "", usage); err != nil {
			t.Fatalf("%s does not verify against the CA: %v", name, err)
		}
		if id.Role != want.Role || (want.Name != "" && id.Name != want.Name) || !slices.Equal(id.Groups, want.Groups) {
			t.Fatalf("%s names %+v, want %+v", name, id, want)
		}
		for _, h := range want.Hosts {
			if !id.HasHost(h) {
				t.Fatalf("%s is not valid for %s (hosts %v)", name, h, id.Hosts)
			}
		}
		fi, err := os.Stat(filepath.Join(dir, pki.KeyFileFor(name)))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key of %s: mode %v, %v; want 0600", name, fi.Mode().Perm(), err)
		}
	}
	if _, err := pki.LoadAuthority(filepath.Join(dir, pki.AppCAFile), filepath.Join(dir, pki.KeyFileFor(pki.AppCAFile))); err != nil {
		t.Fatalf("application CA: %v", err)
	}
	// A second CA in the same directory is refused: it would orphan every
	// certificate made with the first.
	res := runSpindleArgs(t, "tls", "ca", "create", "--dir", dir)
	if res.code == 0 || !strings.Contains(res.stderr, "already exists") {
		t.Fatalf("second ca create: exit %d, %s", res.code, res.stderr)
	}
}

func TestTLSCertCreateRefusesBadUse(t *testing.T) {
	dir := t.TempDir()
	runSpindleArgs(t, "tls", "ca", "create", "--dir", dir).mustSucceed(t)
	ca := []string{"--ca", filepath.Join(dir, pki.CAFile), "--key", filepath.Join(dir, pki.CAKeyFile), "--dir", dir}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{}, "exactly one of --server, --nm, --client and --application-ca"},
		{[]string{"--server", "--nm"}, "exactly one of"},
		{[]string{"--client", "--additional-dnsname", "x"}, "go with --server or --nm"},
		{[]string{"--nm", "--user", "bob"}, "go with --client"},
		{[]string{"--nm", "--additional-ipaddress", "not-an-ip"}, "is not an IP address"},
		{[]string{"--server", "--days", "0"}, "want at least 1"},
	} {
		res := runSpindleArgs(t, append(append([]string{"tls", "cert", "create"}, tc.args...), ca...)...)
		if res.code == 0 || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("cert create %v: exit %d, stderr %q; want %q", tc.args, res.code, res.stderr, tc.want)
		}
	}
	res := runSpindleArgs(t, "tls", "cert", "create", "--server", "--dir", dir, "--ca", filepath.Join(dir, "missing.pem"))
	if res.code == 0 || !strings.Contains(res.stderr, "spindle tls ca create") {
		t.Errorf("cert create without a CA: exit %d, %s", res.code, res.stderr)
	}
}
