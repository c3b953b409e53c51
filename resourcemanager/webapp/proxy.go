package webapp

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/spindlehq/spindle/acl"
	"github.com/spindlehq/spindle/ids"
	"go.uber.org/zap"
)

// ProxyPath prefixes the web proxy: ProxyPath+"<applicationId>/…" is the
// application's ApplicationMaster at "/…", as YARN's WebAppProxy.
const ProxyPath = "/proxy/"

// HistoryPath prefixes the pages of finished applications, served from
// their event logs.
const HistoryPath = "/history/"

// ForwardedPrefixHeader tells the AM under which path the proxy serves
// it, so that it can write links that come back through the proxy.
const ForwardedPrefixHeader = "X-Forwarded-Prefix"

// AMLocator finds where a live application's ApplicationMaster serves.
type AMLocator interface {
	// AMWebURL returns the AM's own HTTP URL while the application runs;
	// running is false once it has ended (or before the AM registered).
	AMWebURL(appID string) (amURL string, running bool, err error)
}

// Proxy forwards /proxy/<applicationId>/… to the application's running
// AM. For an application that has ended it redirects to its history
// pages when history has them, as YARN's proxy sends a finished
// application to its history server.
type Proxy struct {
	AMs  AMLocator
	Auth Authorizer
	// HasHistory reports whether history pages exist for an application;
	// nil = none do.
	HasHistory func(appID string) bool
	Logger     *zap.Logger
	// Transport reaches the AMs (with the RM's certificate on a cluster
	// with TLS); nil = http.DefaultTransport.
	Transport http.RoundTripper
	// Caller names who the request is from, which the AM is told in
	// acl.ProxiedUserHeader and acl.ProxiedGroupsHeader, so that it checks
	// the user, not the proxy; nil tells it nothing.
	Caller func(r *http.Request) (user string, groups []string)
}

// requestHeadersDropped are not passed to an AM: credentials meant for
// the RM stay with the RM.
var requestHeadersDropped = []string{"Cookie", "Authorization", ClientSecretHeader}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	lg := p.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	rest := strings.TrimPrefix(r.URL.Path, ProxyPath)
	appID, subPath, _ := strings.Cut(rest, "/")
	// A tracking URL ends in "/", so clients that add "/metrics" ask for
	// "…//metrics".
	subPath = strings.TrimLeft(subPath, "/")
	if _, err := ids.ParseApplicationID(appID); err != nil {
		http.Error(w, "proxy: "+err.Error()+": use /proxy/<applicationId>/", http.StatusBadRequest)
		return
	}
	if err := p.Auth.Authorize(r, AccessView, appID); err != nil {
		lg.Warn("proxy request refused", zap.String("app", appID), zap.String("remote", r.RemoteAddr), zap.Error(err))
		http.Error(w, "proxy: you may not view "+appID+": "+err.Error(), http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "proxy: only GET and HEAD are forwarded to an ApplicationMaster", http.StatusMethodNotAllowed)
		return
	}
	amURL, running, err := p.AMs.AMWebURL(appID)
	if err != nil {
		http.Error(w, "proxy: "+err.Error(), http.StatusNotFound)
		return
	}
	if !running {
		if p.HasHistory != nil && p.HasHistory(appID) {
			target := HistoryPath + appID + "/" + subPath
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusFound)
			return
		}
		http.Error(w, "proxy: application "+appID+" has no running ApplicationMaster (it has not registered yet, or it has ended without an event log; see /cluster/app/"+appID+")", http.StatusNotFound)
		return
	}
	target, err := url.Parse(amURL)
	if err != nil || target.Host == "" {
		http.Error(w, "proxy: application "+appID+" registered a tracking URL that is not a URL: "+amURL, http.StatusBadGateway)
		return
	}
	prefix := ProxyPath + appID
	rp := &httputil.ReverseProxy{
		Transport: p.Transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = singleJoin(target.Path, "/"+subPath)
			pr.Out.URL.RawPath = ""
			pr.Out.URL.RawQuery = r.URL.RawQuery
			for _, h := range requestHeadersDropped {
				pr.Out.Header.Del(h)
			}
			pr.Out.Header.Del(acl.ProxiedUserHeader)
			pr.Out.Header.Del(acl.ProxiedGroupsHeader)
			if p.Caller != nil {
				user, groups := p.Caller(r)
				pr.Out.Header.Set(acl.ProxiedUserHeader, user)
				pr.Out.Header.Set(acl.ProxiedGroupsHeader, strings.Join(groups, ","))
			}
			pr.SetXForwarded()
			pr.Out.Header.Set(ForwardedPrefixHeader, prefix)
		},
		ModifyResponse: func(resp *http.Response) error {
			// An AM's redirect to one of its own paths stays behind the proxy.
			if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, "/") {
				resp.Header.Set("Location", prefix+loc)
			}
			resp.Header.Del("Set-Cookie")
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			lg.Warn("proxy to application master failed", zap.String("app", appID), zap.String("am", amURL), zap.Error(err))
			http.Error(w, "proxy: the ApplicationMaster of "+appID+" at "+amURL+" did not answer: "+err.Error(), http.StatusBadGateway)
		},
	}
	rp.ServeHTTP(w, r)
}

func singleJoin(a, b string) string {
	return strings.TrimSuffix(a, "/") + b
}
