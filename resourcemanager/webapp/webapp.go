package webapp

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"go.uber.org/zap"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// StaticPath is where the embedded assets are served.
const StaticPath = "/static/"

// Config configures the web UI.
type Config struct {
	// Cluster is what the pages show.
	Cluster Cluster
	// Auth checks every request; nil lets anyone view.
	Auth Authorizer
	// Proxy serves /proxy/<applicationId>/…; nil = no proxy.
	Proxy http.Handler
	// History serves /history/<applicationId>/…; nil = no history.
	History http.Handler
	// Logger receives refusals and rendering errors; nil = none.
	Logger *zap.Logger
}

// UI is the RM's web UI.
type UI struct {
	cfg   Config
	lg    *zap.Logger
	pages map[string]*template.Template
}

// New parses the templates and returns the UI.
func New(cfg Config) (*UI, error) {
	if cfg.Cluster == nil {
		return nil, errors.New("webapp: Config.Cluster is nil")
	}
	if cfg.Auth == nil {
		cfg.Auth = ClientSecretAuthorizer{}
	}
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	ui := &UI{cfg: cfg, lg: lg, pages: map[string]*template.Template{}}
	for _, name := range []string{"overview", "apps", "app", "nodes", "scheduler", "error"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		ui.pages[name] = t
	}
	return ui, nil
}

// Handler serves the pages, the assets, the proxy and history.
func (ui *UI) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET "+StaticPath, http.StripPrefix(StaticPath, http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/cluster", http.StatusFound)
	})
	mux.HandleFunc("GET /cluster", ui.view(ui.overview))
	mux.HandleFunc("GET /cluster/cluster", ui.view(ui.overview))
	mux.HandleFunc("GET /cluster/apps", ui.view(ui.apps))
	mux.HandleFunc("GET /cluster/apps/{state}", ui.view(ui.apps))
	mux.HandleFunc("GET /cluster/app/{appid}", ui.view(ui.app))
	mux.HandleFunc("GET /cluster/nodes", ui.view(ui.nodes))
	mux.HandleFunc("GET /cluster/scheduler", ui.view(ui.scheduler))
	if ui.cfg.Proxy != nil {
		mux.Handle(ProxyPath, ui.cfg.Proxy)
	}
	if ui.cfg.History != nil {
		mux.Handle(HistoryPath, ui.viewHistory(ui.cfg.History))
	}
	return mux
}

// page is what a handler gives the layout.
type page struct {
	Title string
	// Nav names the menu entry to highlight.
	Nav       string
	ClusterID int64
	Data      any
}

// view wraps a page handler with the view check of the application it
// names, if any.
func (ui *UI) view(h func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := ui.cfg.Auth.Authorize(r, AccessView, r.PathValue("appid")); err != nil {
			ui.lg.Warn("web request refused", zap.String("path", r.URL.Path), zap.String("remote", r.RemoteAddr), zap.Error(err))
			ui.fail(w, http.StatusForbidden, "You may not view this page: "+err.Error())
			return
		}
		h(w, r)
	}
}

// viewHistory checks view access to the application a history path
// names before h serves it.
func (ui *UI) viewHistory(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		appID, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, HistoryPath), "/")
		if err := ui.cfg.Auth.Authorize(r, AccessView, appID); err != nil {
			ui.lg.Warn("web request refused", zap.String("path", r.URL.Path), zap.String("remote", r.RemoteAddr), zap.Error(err))
			ui.fail(w, http.StatusForbidden, "You may not view this page: "+err.Error())
			return
		}
		h.ServeHTTP(w, r)
	})
}

// render writes a page, or a 500 when the template fails.
func (ui *UI) render(w http.ResponseWriter, code int, name string, p page) {
	p.ClusterID = ui.cfg.Cluster.ClusterTimestamp()
	var buf bytes.Buffer
	if err := ui.pages[name].Execute(&buf, p); err != nil {
		ui.lg.Error("render page", zap.String("page", name), zap.Error(err))
		http.Error(w, "render "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// fail renders the error page.
func (ui *UI) fail(w http.ResponseWriter, code int, msg string) {
	ui.render(w, code, "error", page{Title: http.StatusText(code), Data: msg})
}
