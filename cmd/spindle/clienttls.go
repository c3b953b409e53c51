package main

import (
	"fmt"
	"net/http"
	"os/user"
	"strconv"

	"github.com/spindlehq/spindle/acl"
	"github.com/spindlehq/spindle/client"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/resourcemanager/failover"
	"github.com/spindlehq/spindle/token"
)

// clientTLS is the user's TLS material from the configuration
// (spindle.tls.*); nil on a cluster without TLS.
func clientTLS(c pki.Settings) (*pki.Material, error) {
	m, err := pki.FromConf(c, true, nil)
	if err != nil {
		return nil, fmt.Errorf("%w\n(the conf dir `spindle dev` prints has a user's certificate: export SPINDLE_CONF_DIR=<its conf dir>)", err)
	}
	return m, nil
}

// dialRM opens a session with the RM at addr (the RMs of a group, as
// client.RMAddress gives them, failing over by p) as the user the
// configuration names, with the client secret when
// spindle.client.secret-file is set.
func dialRM(addr string, c pki.Settings, p failover.Policy) (*client.RM, error) {
	var secret []byte
	if f := c.Get("spindle.client.secret-file"); f != "" {
		var err error
		if secret, err = token.LoadSecret(f); err != nil {
			return nil, err
		}
	}
	tls, err := clientTLS(c)
	if err != nil {
		return nil, err
	}
	return client.DialWith(addr, secret, tls, p)
}

// dialConfRM opens a session with the RM, or the RMs of a group, of loaded
// configuration.
func dialConfRM(cfg *conf.Config) (*client.RM, error) {
	addr, err := client.RMAddress(cfg)
	if err != nil {
		return nil, err
	}
	p, err := failover.PolicyFrom(cfg)
	if err != nil {
		return nil, err
	}
	return dialRM(addr, cfg, p)
}

// overlay reads keys from over first, then from base: spindle submit's
// --conf keys over the conf dir's.
type overlay struct {
	over map[string]string
	base *conf.Config
}

func (o overlay) Get(key string) string {
	if v, ok := o.over[key]; ok {
		return v
	}
	return o.base.Get(key)
}

func (o overlay) Bool(key string) (bool, error) {
	if v, ok := o.over[key]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("%s = %q: want true or false", key, v)
		}
		return b, nil
	}
	return o.base.Bool(key)
}

// claimUser, on a cluster without TLS, makes every request of rt say it is
// sent by this process's OS user, as YARN's simple authentication does.
func claimUser(tls *pki.Material, rt http.RoundTripper) http.RoundTripper {
	if tls != nil {
		return rt
	}
	name := acl.Anonymous
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set(acl.ClaimedUserKey, name)
		return rt.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
