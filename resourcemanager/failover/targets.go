package failover

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/spindlehq/spindle/conf"
)

// Configuration keys of an RM group, YARN's names.
const (
	KeyHAEnabled = "yarn.resourcemanager.ha.enabled"
	KeyRMIDs     = "yarn.resourcemanager.ha.rm-ids"
	KeyHAID      = "yarn.resourcemanager.ha.id"
	// KeyHostname is yarn.resourcemanager.hostname; an RM's is KeyHostname+"."+id.
	KeyHostname = "yarn.resourcemanager.hostname"
)

// Services of an RM, as the suffix of their address keys
// (yarn.resourcemanager.<service>[.<id>]).
const (
	// ServiceClient serves ApplicationClient, ApplicationMaster and the
	// administration protocol.
	ServiceClient = "address"
	// ServiceTracker serves NodeManagers.
	ServiceTracker = "resource-tracker.address"
	// ServiceWeb serves the REST API and the web UI.
	ServiceWeb = "webapp.address"
)

// ErrNoAddress is an RM id of yarn.resourcemanager.ha.rm-ids with no
// address for a service.
var ErrNoAddress = errors.New("failover: no address for an RM id")

// Target is one RM, by its id in yarn.resourcemanager.ha.rm-ids ("" when
// HA is off), at the address of one of its services.
type Target struct {
	ID   string
	Addr string
}

// HAEnabled reports yarn.resourcemanager.ha.enabled.
func HAEnabled(c *conf.Config) (bool, error) {
	return c.Bool(KeyHAEnabled)
}

// AddressKey is the key of an RM's service address: with HA on, the
// per-id key yarn.resourcemanager.<service>.<id>.
func AddressKey(service, id string) string {
	if id == "" {
		return "yarn.resourcemanager." + service
	}
	return "yarn.resourcemanager." + service + "." + id
}

// Targets returns where each RM serves service: the one configured
// address, or with yarn.resourcemanager.ha.enabled one per id of
// yarn.resourcemanager.ha.rm-ids, in that order. An id's address is its
// per-id key or, unset, yarn.resourcemanager.hostname.<id> with the port of
// the plain key, as YARN derives it.
func Targets(c *conf.Config, service string) ([]Target, error) {
	on, err := HAEnabled(c)
	if err != nil {
		return nil, err
	}
	if !on {
		return []Target{{Addr: c.Get(AddressKey(service, ""))}}, nil
	}
	ids := c.Strings(KeyRMIDs)
	if len(ids) == 0 {
		return nil, fmt.Errorf("failover: %s is true but %s lists no RM ids: list the ids of the ResourceManagers, such as rm1,rm2,rm3", KeyHAEnabled, KeyRMIDs)
	}
	out := make([]Target, 0, len(ids))
	for _, id := range ids {
		addr, err := IDAddress(c, service, id)
		if err != nil {
			return nil, err
		}
		out = append(out, Target{ID: id, Addr: addr})
	}
	return out, nil
}

// IDAddress returns the address of service on the RM id.
func IDAddress(c *conf.Config, service, id string) (string, error) {
	if a := strings.TrimSpace(c.Get(AddressKey(service, id))); a != "" {
		return a, nil
	}
	host := strings.TrimSpace(c.Get(KeyHostname + "." + id))
	if host == "" {
		return "", fmt.Errorf("%w: RM %s of %s has neither %s nor %s: set one of them", ErrNoAddress, id, KeyRMIDs, AddressKey(service, id), KeyHostname+"."+id)
	}
	_, port, err := net.SplitHostPort(c.Get(AddressKey(service, "")))
	if err != nil {
		return "", fmt.Errorf("failover: %s = %q: %w", AddressKey(service, ""), c.Get(AddressKey(service, "")), err)
	}
	return net.JoinHostPort(host, port), nil
}

// Encode writes targets as one value, for an environment variable: a plain
// address without HA, "id=addr,id=addr" with it.
func Encode(targets []Target) string {
	parts := make([]string, len(targets))
	for i, t := range targets {
		if t.ID == "" {
			parts[i] = t.Addr
		} else {
			parts[i] = t.ID + "=" + t.Addr
		}
	}
	return strings.Join(parts, ",")
}

// Decode reads what Encode wrote.
func Decode(s string) ([]Target, error) {
	var out []Target
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		id, addr, ok := strings.Cut(p, "=")
		if !ok {
			id, addr = "", p
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("failover: RM address %q in %q: %w", addr, s, err)
		}
		out = append(out, Target{ID: id, Addr: addr})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("failover: no RM address in %q", s)
	}
	return out, nil
}
