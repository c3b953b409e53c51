package resourcemanager

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/eventlog"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/resourcemanager/webapp"
	"go.uber.org/zap"
)

// webCluster is the RM as the web UI reads it.
type webCluster struct{ rm *ResourceManager }

var _ webapp.Cluster = webCluster{}

func (c webCluster) ClusterTimestamp() int64            { return c.rm.ClusterTimestamp() }
func (c webCluster) ClusterMetrics() *pb.ClusterMetrics { return c.rm.clusterMetrics() }
func (c webCluster) Nodes() []*pb.NodeReport            { return c.rm.nodeReports() }
func (c webCluster) Queues() []*pb.QueueInfo            { return c.rm.queueInfos() }

func (c webCluster) FilterApplications(q url.Values) ([]*pb.ApplicationReport, error) {
	return c.rm.FilterApplications(q)
}

func (c webCluster) Application(appID string) (*pb.ApplicationReport, []*pb.ApplicationAttemptReport, error) {
	rep, err := c.rm.applicationReport(appID)
	if err != nil {
		return nil, nil, err
	}
	attempts, err := c.rm.attemptReports(appID)
	return rep, attempts, err
}

func (c webCluster) AttemptContainers(attemptID string) ([]*pb.ContainerReport, error) {
	return c.rm.attemptContainers(attemptID)
}

// webUI builds the RM's pages, proxy and history handler.
func (rm *ResourceManager) webUI() (http.Handler, error) {
	cfg := webapp.Config{
		Cluster: webCluster{rm: rm},
		Auth:    rm.webAuth,
		Logger:  rm.lg.Named("webapp"),
		Proxy: &webapp.Proxy{AMs: webCluster{rm: rm}, Auth: rm.webAuth, HasHistory: rm.hasHistory, Logger: rm.lg.Named("proxy"),
			Transport: pki.HTTPClient(rm.cfg.TLS, 0).Transport,
			Caller: func(r *http.Request) (string, []string) {
				u := callerOf(r.Context())
				return u.Name, u.Groups
			}},
	}
	if rm.history != nil {
		cfg.History = rm.history
	}
	ui, err := webapp.New(cfg)
	if err != nil {
		return nil, err
	}
	return ui.Handler(), nil
}

// AMWebURL is where a live application's AM serves HTTP, for the proxy.
func (c webCluster) AMWebURL(appID string) (string, bool, error) {
	rm := c.rm
	rm.mu.Lock()
	defer rm.mu.Unlock()
	app, ok := rm.apps[appID]
	if !ok {
		return "", false, errApp(appID)
	}
	t := app.current()
	if app.finished() || t == nil || t.finished() || t.trackingURL == "" {
		return "", false, nil
	}
	return t.trackingURL, true, nil
}

// webBase is the RM's web address as a URL, "" before it serves.
func (rm *ResourceManager) webBase() string {
	if rm.webLis == nil {
		return ""
	}
	host, port, _ := net.SplitHostPort(rm.webLis.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil {
			host = h
		}
	}
	return rm.webScheme() + "://" + net.JoinHostPort(host, port)
}

// trackingURLLocked is an application's tracking URL as YARN reports it:
// the proxy while its AM runs, its history pages once it has ended and
// history has them, else what the AM said last.
func (rm *ResourceManager) trackingURLLocked(app *rmApp, t *rmAttempt) string {
	base := rm.webBase()
	switch {
	case base == "":
		return t.trackingURL
	case app.finished():
		if rm.hasHistory(app.id) {
			return base + webapp.HistoryPath + app.id + "/"
		}
		return t.trackingURL
	case t.trackingURL != "" && !t.finished():
		return base + webapp.ProxyPath + app.id + "/"
	}
	return t.trackingURL
}

// hasHistory reports whether history pages exist for appID.
func (rm *ResourceManager) hasHistory(appID string) bool {
	return rm.history != nil && rm.history.Has(appID)
}

// openHistory prepares the history pages of finished applications from
// the event logs under uri (spark.history.fs.logDirectory).
func openHistory(uri string, lg *zap.Logger) (*eventlog.History, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store, dir, err := dfs.Open(ctx, uri)
	if err != nil {
		return nil, fmt.Errorf("resourcemanager: spark.history.fs.logDirectory = %q: %w", uri, err)
	}
	return eventlog.NewHistory(eventlog.HistoryConfig{Store: store, Dir: dir, Logger: lg})
}
