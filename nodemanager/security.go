package nodemanager

import (
	"bytes"
	"context"
	"crypto/hmac"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/spindlehq/spindle/acl"
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/token"
	"go.uber.org/zap"
	"google.golang.org/grpc/peer"
	"google.golang.org/protobuf/proto"
)

// appACLFile, in an application's log dir, keeps who may read its logs, so
// that logs kept across a NodeManager restart stay guarded. Only the NM
// reads it.
const appACLFile = ".spindle-view-acl"

// aclsOff is what appACLFile holds for an application of a cluster
// without ACLs.
const aclsOff = "-"

// plaintext reports spindle.tls.insecure-plaintext.
func (nm *NodeManager) plaintext() bool { return nm.cfg.TLS == nil }

// recordAppACL keeps the view ACL a container token carried (empty: ACLs
// off) for the container's application.
func (nm *NodeManager) recordAppACL(appID, viewACL string) {
	if viewACL == "" {
		viewACL = aclsOff
	}
	nm.mu.Lock()
	known := nm.appACLs[appID] == viewACL
	nm.appACLs[appID] = viewACL
	nm.mu.Unlock()
	if known {
		return
	}
	for _, root := range nm.cfg.LogDirs {
		dir := filepath.Join(root, appID)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			nm.lg.Warn("record an application's view ACL", zap.String("app", appID), zap.Error(err))
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, appACLFile), []byte(viewACL), 0o600); err != nil {
			nm.lg.Warn("record an application's view ACL", zap.String("app", appID), zap.Error(err))
		}
	}
}

// appViewACL is who may view appID's logs and containers. An application
// the node has no trace of is viewable by all: there is nothing to see.
// One that left logs without saying who may read them is viewable by
// nobody.
func (nm *NodeManager) appViewACL(appID string) (list acl.ACL, ok bool) {
	nm.mu.Lock()
	defer nm.mu.Unlock()
	return nm.appViewACLLocked(appID)
}

func (nm *NodeManager) appViewACLLocked(appID string) (list acl.ACL, ok bool) {
	v, known := nm.appACLs[appID]
	traces := false
	if !known {
		for _, root := range nm.cfg.LogDirs {
			raw, err := os.ReadFile(filepath.Join(root, appID, appACLFile))
			if err == nil {
				v, known = string(raw), true
				break
			}
			if !errors.Is(err, fs.ErrNotExist) {
				nm.lg.Warn("read an application's view ACL", zap.String("app", appID), zap.Error(err))
			}
			if _, err := os.Lstat(filepath.Join(root, appID)); err == nil {
				traces = true
			}
		}
	}
	switch {
	case !known && traces:
		return acl.ACL{}, false
	case !known:
		return acl.All(), true
	case v == aclsOff:
		return acl.All(), true
	}
	return acl.Parse(v), true
}

type callerKey struct{}

func callerOf(ctx context.Context) acl.User {
	u, _ := ctx.Value(callerKey{}).(acl.User)
	return u
}

// canView reports whether the request's caller may view appID's containers
// and logs.
func (nm *NodeManager) canView(r *http.Request, appID string) bool {
	list, ok := nm.appViewACL(appID)
	return ok && list.Allows(callerOf(r.Context()))
}

// canViewLocked is canView for a caller that holds nm.mu.
func (nm *NodeManager) canViewLocked(r *http.Request, appID string) bool {
	list, ok := nm.appViewACLLocked(appID)
	return ok && list.Allows(callerOf(r.Context()))
}

// webAuthenticate makes every web request say who sends it, and refuses
// container logs of an application its caller may not view.
func (nm *NodeManager) webAuthenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := acl.FromHTTP(r, nm.plaintext())
		if err != nil {
			nm.lg.Warn("web request refused", zap.String("path", r.URL.Path), zap.String("remote", r.RemoteAddr), zap.Error(err))
			http.Error(w, err.Error()+": present a client certificate from the cluster CA", http.StatusUnauthorized)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), callerKey{}, u))
		if appID, what := requestedApp(r); appID != "" && !nm.canView(r, appID) {
			nm.lg.Warn("access denied", zap.String("user", u.String()), zap.String("operation", string(acl.ViewApp)),
				zap.String("target", what+" of application "+appID), zap.String("path", r.URL.Path), zap.String("remote", r.RemoteAddr))
			http.Error(w, "User "+u.String()+" cannot perform operation VIEW_APP on application "+appID, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requestedApp is the application a request's path is about, and what of
// it: its container logs, its containers or itself; "" for none.
func requestedApp(r *http.Request) (appID, what string) {
	path := r.URL.EscapedPath()
	if rest, ok := strings.CutPrefix(path, ContainerLogsPath); ok {
		req, err := parseLogPath(rest)
		if err != nil {
			return "", ""
		}
		if req.app != nil {
			return req.app.String(), "logs"
		}
		return req.container.Attempt.App.String(), "logs"
	}
	if id, ok := strings.CutPrefix(path, "/ws/v1/node/containers/"); ok {
		return appOf(id), "container"
	}
	if id, ok := strings.CutPrefix(path, "/ws/v1/node/apps/"); ok {
		if a, err := ids.ParseApplicationID(id); err == nil {
			return a.String(), "report"
		}
	}
	return "", ""
}

// appOf is the application of container id, "" when id is not one.
func appOf(id string) string {
	cid, err := ids.ParseContainerID(id)
	if err != nil {
		return ""
	}
	return cid.Attempt.App.String()
}

// webScheme is the scheme of the NM's web endpoints.
func (nm *NodeManager) webScheme() string { return pki.Scheme(nm.cfg.TLS) }

// takeKeys installs what the RM sends at registration: the container token
// master keys and the gossip key. They stay in memory.
func (nm *NodeManager) takeKeys(keys *pb.MasterKeys, gossip []byte) error {
	if keys == nil {
		return errors.New("the resourcemanager sent no container token master keys")
	}
	if err := nm.signer.SetFromPB(keys); err != nil {
		return err
	}
	if len(gossip) > 0 {
		if err := nm.member.InstallKey(gossip); err != nil {
			return err
		}
	} else if !nm.plaintext() {
		return errors.New("the resourcemanager sent no gossip key: is it running with spindle.tls.insecure-plaintext?")
	}
	return nil
}

// verifyStopToken checks a stop request's token. A token signed with a key
// rolled out since still stops the container it started, when it is the
// very token the container was started with.
func (nm *NodeManager) verifyStopToken(tok *pb.Token) (*pb.ContainerTokenIdentifier, error) {
	ident := &pb.ContainerTokenIdentifier{}
	err := nm.signer.Verify(tok, token.KindContainer, ident)
	if errors.Is(err, token.ErrUnknownKey) && proto.Unmarshal(tok.GetIdentifier(), ident) == nil {
		nm.mu.Lock()
		c, ok := nm.containers[ident.GetContainerId()]
		nm.mu.Unlock()
		if ok && c.startToken != nil && bytes.Equal(c.startToken.GetIdentifier(), tok.GetIdentifier()) &&
			hmac.Equal(c.startToken.GetPassword(), tok.GetPassword()) {
			err = nil
		}
	}
	if err == nil && ident.GetNodeId() != nm.nodeID {
		err = token.ErrWrongNode
	}
	return ident, err
}

// claimedContainer is the container a token names, whether or not its
// signature checks: what a refusal is about.
func claimedContainer(tok *pb.Token) string {
	ident := &pb.ContainerTokenIdentifier{}
	if proto.Unmarshal(tok.GetIdentifier(), ident) != nil {
		return ""
	}
	return ident.GetContainerId()
}

// remoteOf names a gRPC caller's address in logs.
func remoteOf(ctx context.Context) string {
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		return p.Addr.String()
	}
	return ""
}
