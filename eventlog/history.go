package eventlog

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spindlehq/spindle/appmaster/streamingui"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/ids"
	"go.uber.org/zap"
)

// Replay reads the log in dir into a listener that keeps limit batches.
// complete tells whether the application ended (its log is closed).
func Replay(ctx context.Context, store dfs.Store, dir string, limit int) (l *streamingui.Listener, complete bool, err error) {
	files, err := store.List(ctx, dir)
	if err != nil {
		return nil, false, fmt.Errorf("eventlog: list %s: %w", dir, err)
	}
	l = streamingui.NewListener(streamingui.AppInfo{}, limit)
	for _, f := range files {
		switch {
		case f.Name == statusCompleted:
			complete = true
		case strings.HasPrefix(f.Name, segmentPrefix):
			data, err := store.ReadFile(ctx, f.Path)
			if err != nil {
				return nil, false, fmt.Errorf("eventlog: read %s: %w", f.Path, err)
			}
			evs, err := DecodeSegment(data)
			if err != nil {
				return nil, false, fmt.Errorf("eventlog: %s: %w", f.Path, err)
			}
			for _, ev := range evs {
				apply(l, ev)
			}
		}
	}
	return l, complete, nil
}

// logRef is the newest log of an application.
type logRef struct {
	dir     string
	attempt int64
}

// HistoryConfig configures History.
type HistoryConfig struct {
	// Store and Dir are where the logs are (spark.history.fs.logDirectory).
	Store dfs.Store
	Dir   string
	// RetainedBatches is how many batches each replayed page shows.
	RetainedBatches int
	// ScanInterval is how often Dir is listed for new logs.
	ScanInterval time.Duration
	// CacheSize is how many replayed applications are kept in memory.
	CacheSize int
	Logger    *zap.Logger
}

// History serves the Streaming tab of finished applications from their
// event logs at /history/<applicationId>/…, as Spark's history server
// does. Which applications have logs is learnt by listing the directory
// every ScanInterval, so Has never waits on the store.
type History struct {
	cfg HistoryConfig
	lg  *zap.Logger

	mu    sync.Mutex
	logs  map[string]logRef
	cache map[string]*cached
	order []string
}

type cached struct {
	dir      string
	listener *streamingui.Listener
	complete bool
	handler  http.Handler
}

// Path is where History serves: Path+"<applicationId>/".
const Path = "/history/"

// NewHistory returns a History; call Run to keep its list of logs fresh.
func NewHistory(cfg HistoryConfig) (*History, error) {
	if cfg.Store == nil || cfg.Dir == "" {
		return nil, errors.New("eventlog: history needs a store and a directory (spark.history.fs.logDirectory)")
	}
	if cfg.ScanInterval <= 0 {
		cfg.ScanInterval = 2 * time.Second
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = 16
	}
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	return &History{cfg: cfg, lg: lg, logs: map[string]logRef{}, cache: map[string]*cached{}}, nil
}

// Run scans for logs until ctx ends.
func (h *History) Run(ctx context.Context) {
	h.Scan(ctx)
	t := time.NewTicker(h.cfg.ScanInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.Scan(ctx)
		}
	}
}

// Scan lists the log directory once.
func (h *History) Scan(ctx context.Context) {
	files, err := h.cfg.Store.List(ctx, h.cfg.Dir)
	if err != nil {
		if !errors.Is(err, hdfscheckpoint.ErrNotFound) {
			h.lg.Warn("list event logs", zap.String("dir", h.cfg.Dir), zap.Error(err))
		}
		return
	}
	found := map[string]logRef{}
	for _, f := range files {
		appID, attempt, ok := parseLogDir(f.Name)
		if !ok || !f.IsDir {
			continue
		}
		if old, seen := found[appID]; !seen || attempt > old.attempt {
			found[appID] = logRef{dir: f.Path, attempt: attempt}
		}
	}
	h.mu.Lock()
	h.logs = found
	h.mu.Unlock()
}

// parseLogDir reads eventlog_v2_<applicationId>_<attempt>.
func parseLogDir(name string) (string, int64, bool) {
	rest, ok := strings.CutPrefix(name, dirPrefix)
	if !ok {
		return "", 0, false
	}
	i := strings.LastIndexByte(rest, '_')
	if i < 0 {
		return "", 0, false
	}
	attempt, err := strconv.ParseInt(rest[i+1:], 10, 64)
	if _, aerr := ids.ParseApplicationID(rest[:i]); err != nil || aerr != nil || attempt < 1 {
		return "", 0, false
	}
	return rest[:i], attempt, true
}

// Has reports whether a log of appID was found.
func (h *History) Has(appID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.logs[appID]
	return ok
}

// Applications lists the applications with logs.
func (h *History) Applications() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.logs))
	for id := range h.logs {
		out = append(out, id)
	}
	return out
}

// ServeHTTP serves Path+"<applicationId>/…" from the application's newest
// log. A log still being written is read again on each request; a
// complete one is kept in a small cache.
func (h *History) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, Path)
	appID, sub, _ := strings.Cut(rest, "/")
	if _, err := ids.ParseApplicationID(appID); err != nil {
		http.Error(w, "history: "+err.Error()+": use "+Path+"<applicationId>/", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	ref, ok := h.logs[appID]
	h.mu.Unlock()
	if !ok {
		h.Scan(r.Context())
		h.mu.Lock()
		ref, ok = h.logs[appID]
		h.mu.Unlock()
	}
	if !ok {
		http.Error(w, "history: no event log of "+appID+" in "+h.cfg.Dir+" (was spark.eventLog.enabled set, with spark.eventLog.dir there?)", http.StatusNotFound)
		return
	}
	c, err := h.load(r.Context(), appID, ref)
	if err != nil {
		h.lg.Warn("replay event log", zap.String("app", appID), zap.String("dir", ref.dir), zap.Error(err))
		http.Error(w, "history: "+err.Error(), http.StatusInternalServerError)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + sub
	r2.URL.RawPath = ""
	c.handler.ServeHTTP(w, r2)
}

func (h *History) load(ctx context.Context, appID string, ref logRef) (*cached, error) {
	h.mu.Lock()
	c, ok := h.cache[appID]
	h.mu.Unlock()
	if ok && c.complete && c.dir == ref.dir {
		return c, nil
	}
	l, complete, err := Replay(ctx, h.cfg.Store, ref.dir, h.cfg.RetainedBatches)
	if err != nil {
		return nil, err
	}
	c = &cached{dir: ref.dir, listener: l, complete: complete, handler: streamingui.Handler(l)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, seen := h.cache[appID]; !seen {
		h.order = append(h.order, appID)
	}
	h.cache[appID] = c
	for len(h.order) > h.cfg.CacheSize {
		delete(h.cache, h.order[0])
		h.order = h.order[1:]
	}
	return c, nil
}
