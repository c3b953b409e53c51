package appmaster

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spindlehq/spindle/appmaster/streamingui"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
)

// Paths the AM's HTTP server serves.
const (
	MetricsPath     = "/metrics"
	MetricsJSONPath = "/metrics/json"
	// IndexPath lists the AM's endpoints as text.
	IndexPath = "/api"
)

// Handler serves the Streaming tab (/streaming/, where / leads),
// /metrics (Prometheus text), /metrics/json (Spark's MetricsServlet
// shape), the batch statistics under StreamingAPIPath (Spark's REST API
// shape) and, on IndexPath, a list of them. A nil *Metrics serves empty
// metrics.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		m = NewMetrics(MetricsConfig{})
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+MetricsPath, promhttp.HandlerFor(m.Registry(), promhttp.HandlerOpts{}))
	serveJSON := func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, m.Snapshot()) }
	mux.HandleFunc("GET "+MetricsJSONPath, serveJSON)
	mux.HandleFunc("GET "+MetricsJSONPath+"/", serveJSON)
	m.handleStreamingAPI(mux)
	// The Streaming tab, at "/streaming/", and "/" leads to it.
	ui := streamingui.Handler(m.stats.l)
	mux.Handle("GET /{$}", ui)
	mux.Handle("GET /streaming", ui)
	mux.Handle("GET /streaming/", ui)
	mux.HandleFunc("GET "+IndexPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Spindle ApplicationMaster %s (attempt %d)\n\n", m.appID, m.attempt)
		spark := "/api/v1/applications/" + m.appID + "/streaming"
		for _, l := range [][2]string{
			{"/streaming/", "the Streaming tab"},
			{MetricsPath, "Prometheus metrics"},
			{MetricsJSONPath, "metrics as Spark's MetricsServlet serves them"},
			{StreamingAPIPath + "/statistics", "streaming statistics, as Spark's REST API (also " + spark + "/statistics)"},
			{StreamingAPIPath + "/batches", "the last completed batches, newest first; ?status=COMPLETED|QUEUED|PROCESSING (also " + spark + "/batches)"},
			{StreamingAPIPath + "/batches/{batchId}", "one batch by id, its batch time in ms (also " + spark + "/batches/{batchId})"},
		} {
			fmt.Fprintf(w, "%s\t%s\n", l[0], l[1])
		}
	})
	return mux
}

// Metrics returns the AM's metrics.
func (am *AppMaster) Metrics() *Metrics { return am.metrics }

// SetMetrics replaces the AM's metrics, so that the streaming driver's
// OnBatch, created before the AM, can feed the same ones; call it before Run.
func (am *AppMaster) SetMetrics(m *Metrics) {
	if m != nil {
		am.metrics = m
	}
}

// serveMetrics starts the AM's HTTP server on Host at a port the OS
// chooses and returns its URL, which the AM registers as its tracking URL.
func (am *AppMaster) serveMetrics() (string, error) {
	host := am.cfg.Host
	if host == "" {
		host = "127.0.0.1"
	}
	lis, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("appmaster: listen for HTTP on %s: %w", host, err)
	}
	am.web = &http.Server{Handler: am.webAuthorize(am.metrics.Handler()), ReadHeaderTimeout: 10 * time.Second, ErrorLog: pki.HTTPErrorLog(am.lg, "web")}
	web := am.cfg.Credentials.Web
	go func() {
		if err := am.web.Serve(pki.Listener(web, lis, pki.ClientCertRequired)); err != nil && err != http.ErrServerClosed {
			am.lg.Warn("metrics server stopped", zap.Error(err))
		}
	}()
	url := pki.Scheme(web) + "://" + lis.Addr().String()
	am.lg.Info("serving metrics", zap.String("trackingUrl", url))
	return url, nil
}

// stopMetrics closes the AM's HTTP server.
func (am *AppMaster) stopMetrics() {
	if am.web == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	am.web.Shutdown(ctx)
}
