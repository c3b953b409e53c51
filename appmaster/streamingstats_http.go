package appmaster

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/spindlehq/spindle/conf"
)

// StreamingAPIPath is where the batch statistics are served, in the shape
// of Spark's REST API: …/statistics, …/batches and …/batches/{batchId}.
// They are also served at Spark's own paths,
// /api/v1/applications/{appId}/streaming/….
const StreamingAPIPath = "/api/v1/streaming"

// sparkStreamingPrefix is Spark's path up to …/streaming.
const sparkStreamingPrefix = "/api/v1/applications/{appId}/streaming"

// handleStreamingAPI adds the REST API's routes to mux, at Spindle's short
// paths and at Spark's.
func (m *Metrics) handleStreamingAPI(mux *http.ServeMux) {
	routes := []struct {
		path string
		h    http.HandlerFunc
	}{
		{"/statistics", m.serveStatistics},
		{"/batches", m.serveBatches},
		{"/batches/{batchId}", m.serveBatch},
	}
	for path, h := range m.receiverRoutes() {
		routes = append(routes, struct {
			path string
			h    http.HandlerFunc
		}{path, h})
	}
	for _, r := range routes {
		mux.HandleFunc("GET "+StreamingAPIPath+r.path, r.h)
		mux.HandleFunc("GET "+sparkStreamingPrefix+r.path, m.forThisApp(r.h))
	}
}

// forThisApp answers 404 for another application's id, as Spark does for
// an application it does not know.
func (m *Metrics) forThisApp(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if id := r.PathValue("appId"); id != m.appID {
			http.Error(w, fmt.Sprintf("no such app: %s (this ApplicationMaster serves %s)", id, m.appID), http.StatusNotFound)
			return
		}
		h(w, r)
	}
}

func (m *Metrics) serveStatistics(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	st := m.stats.statistics()
	m.mu.Unlock()
	m.receiverCounts(&st)
	writeJSON(w, st)
}

// serveBatches lists the retained batches newest first, filtered by
// ?status= as Spark's API does.
func (m *Metrics) serveBatches(w http.ResponseWriter, r *http.Request) {
	want, err := parseBatchStatuses(r.URL.Query()["status"])
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out := []StreamingBatch{}
	if want[BatchStatusCompleted] {
		m.mu.Lock()
		out = m.stats.batches()
		m.mu.Unlock()
	}
	writeJSON(w, out)
}

func (m *Metrics) serveBatch(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("batchId")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 0 {
		http.Error(w, fmt.Sprintf("unknown batch: %s (a batch id is its batch time in milliseconds since the epoch)", raw), http.StatusNotFound)
		return
	}
	m.mu.Lock()
	b, ok := m.stats.batch(id)
	limit := m.stats.limit
	m.mu.Unlock()
	if !ok {
		http.Error(w, fmt.Sprintf("unknown batch: %d (only the last %d completed batches are kept, %s)", id, limit, conf.KeyRetainedBatches), http.StatusNotFound)
		return
	}
	writeJSON(w, b)
}

// writeJSON writes v indented, as Spark's API does.
func writeJSON(w http.ResponseWriter, v any) {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "encode JSON: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(raw)
}
