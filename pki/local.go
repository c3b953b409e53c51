package pki

import (
	"net"
	"os"
	"path/filepath"
	"time"
)

// Local are the files of a cluster on one machine, as `spindle dev`,
// `spindle chaos` and test clusters create them.
type Local struct {
	// Dir holds them all.
	Dir string
	// CA is the cluster CA's certificate.
	CA string
	// RM, NM and Client are certificate files; each key is KeyFileFor
	// the certificate.
	RM, NM, Client string
	// AppCA is the RM's application CA, for ApplicationMaster certificates.
	AppCA string
	// User is the user the client certificate names.
	User string
	// Authority is the CA, in memory only, for callers (tests) that issue
	// more certificates.
	Authority *Authority
}

// LocalHosts are the host names and addresses a local cluster's daemons
// are reached at: localhost, the loopback addresses and this machine's
// host name.
func LocalHosts() ([]string, []net.IP) {
	dns := []string{"localhost"}
	if h, err := os.Hostname(); err == nil && h != "localhost" {
		dns = append(dns, h)
	}
	return dns, []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
}

// CreateLocal creates a CA and the certificates of a cluster on this
// machine in dir: the RM's, one every NM shares, the application CA and a
// client certificate for user. The daemons' certificates are valid for
// LocalHosts and the extra addresses (test hosts' own). The CA's key is not
// kept: nothing on the machine can issue more certificates for this
// cluster.
func CreateLocal(dir, user string, validity time.Duration, extra ...net.IP) (Local, error) {
	l := Local{Dir: dir, User: user}
	ca, err := NewCA("Spindle local cluster CA", validity)
	if err != nil {
		return l, err
	}
	l.Authority = ca
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return l, err
	}
	l.CA = filepath.Join(dir, CAFile)
	if err := WriteFile(l.CA, ca.CertPEM(), false); err != nil {
		return l, err
	}
	dns, ips := LocalHosts()
	ips = append(ips, extra...)
	for _, c := range []struct {
		path *string
		file string
		req  CertRequest
	}{
		{&l.RM, ServerFile, CertRequest{Role: RoleResourceManager, Name: "resourcemanager", DNSNames: dns, IPs: ips}},
		{&l.NM, NMFile, CertRequest{Role: RoleNodeManager, Name: dns[len(dns)-1], DNSNames: dns, IPs: ips}},
		{&l.AppCA, AppCAFile, CertRequest{Role: RoleApplicationCA, Name: "Spindle local application CA"}},
		{&l.Client, ClientFile(user), CertRequest{Role: RoleClient, Name: user}},
	} {
		c.req.Validity = validity
		kp, err := ca.Issue(c.req)
		if err != nil {
			return l, err
		}
		if *c.path, _, err = WritePair(dir, c.file, kp.CertPEM, kp.KeyPEM, false); err != nil {
			return l, err
		}
	}
	return l, nil
}

// RMConf are the ResourceManager's TLS keys, as KEY=VALUE.
func (l Local) RMConf() []string {
	return []string{
		KeyCAFile + "=" + l.CA, KeyCertFile + "=" + l.RM, KeyKeyFile + "=" + KeyFileFor(l.RM),
		KeyAppCACertFile + "=" + l.AppCA, KeyAppCAKeyFile + "=" + KeyFileFor(l.AppCA),
	}
}

// NMConf are a NodeManager's TLS keys, as KEY=VALUE.
func (l Local) NMConf() []string { return CertConf(l.CA, l.NM) }

// ClientConf are the user's TLS keys, as KEY=VALUE.
func (l Local) ClientConf() []string { return CertConf(l.CA, l.Client) }

// CertConf are the TLS keys of a party with certificate cert (its key
// beside it) and CA ca, as KEY=VALUE.
func CertConf(ca, cert string) []string {
	return []string{KeyCAFile + "=" + ca, KeyCertFile + "=" + cert, KeyKeyFile + "=" + KeyFileFor(cert)}
}

// ClientMaterial loads the user's certificate, for clients in the process
// that created the files.
func (l Local) ClientMaterial() (*Material, error) {
	return LoadFiles(Files{CA: l.CA, Cert: l.Client, Key: KeyFileFor(l.Client)}, nil)
}
