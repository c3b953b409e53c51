package pki

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
)

// Role is what a certificate lets its holder be in the cluster.
type Role string

// Roles, written in a certificate's subject OrganizationalUnit.
const (
	// RoleResourceManager serves the RM's RPC and web endpoints and calls
	// NodeManagers.
	RoleResourceManager Role = "resourcemanager"
	// RoleNodeManager serves an NM's endpoints and calls the RM's
	// ResourceTracker for the hosts its certificate names.
	RoleNodeManager Role = "nodemanager"
	// RoleClient is a user: its CommonName is the user name, its
	// Organization the user's groups.
	RoleClient Role = "client"
	// RoleApplicationMaster serves one application attempt's web
	// endpoints; the RM issues it with the application CA.
	RoleApplicationMaster Role = "applicationmaster"
	// RoleApplicationCA is the intermediate CA the RM issues
	// ApplicationMaster certificates with.
	RoleApplicationCA Role = "application-ca"
)

// ErrNoRole is returned for a certificate that names no Spindle role.
var ErrNoRole = errors.New("pki: certificate names no Spindle role")

// Identity is who a verified certificate names.
type Identity struct {
	// Role is the holder's role.
	Role Role
	// Name is the user name of a client, the attempt of an
	// ApplicationMaster, or the common name of a daemon.
	Name string
	// Groups are a client's groups.
	Groups []string
	// Hosts are the DNS names and IP addresses the certificate is valid for.
	Hosts []string
	// Serial identifies the certificate in logs.
	Serial string
}

// IdentityOf reads the identity of a certificate that has been verified
// against the cluster CA.
func IdentityOf(cert *x509.Certificate) (Identity, error) {
	if cert == nil {
		return Identity{}, errors.New("pki: no certificate")
	}
	id := Identity{Name: cert.Subject.CommonName, Serial: cert.SerialNumber.Text(16)}
	for _, ou := range cert.Subject.OrganizationalUnit {
		switch r := Role(ou); r {
		case RoleResourceManager, RoleNodeManager, RoleClient, RoleApplicationMaster:
			if id.Role != "" && id.Role != r {
				return Identity{}, fmt.Errorf("pki: certificate %s names two roles, %s and %s", id.Serial, id.Role, r)
			}
			id.Role = r
		}
	}
	if id.Role == "" {
		return Identity{}, fmt.Errorf("%w (subject %q)", ErrNoRole, cert.Subject.String())
	}
	if id.Role == RoleClient {
		id.Groups = slices.Sorted(slices.Values(cert.Subject.Organization))
	}
	id.Hosts = slices.Clone(cert.DNSNames)
	for _, ip := range cert.IPAddresses {
		id.Hosts = append(id.Hosts, ip.String())
	}
	return id, nil
}

// HasHost reports whether the certificate the identity was read from is
// valid for host (a DNS name or an IP address).
func (id Identity) HasHost(host string) bool {
	if ip := net.ParseIP(host); ip != nil {
		for _, h := range id.Hosts {
			if other := net.ParseIP(h); other != nil && other.Equal(ip) {
				return true
			}
		}
		return false
	}
	return slices.Contains(id.Hosts, host)
}

// String names the identity in logs and refusals: "user alice",
// "nodemanager host1".
func (id Identity) String() string {
	if id.Role == RoleClient {
		return "user " + id.Name
	}
	return string(id.Role) + " " + id.Name
}
