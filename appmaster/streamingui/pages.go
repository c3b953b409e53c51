package streamingui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/driver"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"ms":       func(d time.Duration) int64 { return d.Milliseconds() },
	"stageMs":  func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 3, 64) },
	"fmtMs":    func(v float64) string { return formatMs(v) },
	"time":     func(t time.Time) string { return formatClock(t) },
	"batchID":  func(t time.Time) int64 { return t.UnixMilli() },
	"rate":     func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) },
	"lag":      func(p driver.PartitionProgress) string { return lagText(p) },
	"records":  func(p driver.PartitionProgress) int64 { return p.Until - p.From },
	"since":    func(t time.Time) string { return formatMs(float64(time.Since(t).Milliseconds())) },
	"duration": func(d time.Duration) string { return d.String() },
	"add": func(a ...int) int {
		t := 0
		for _, v := range a {
			t += v
		}
		return t
	},
}).ParseFS(templateFS, "templates/*.html"))

// formatClock is a batch time as Spark's UI writes it, in UTC.
func formatClock(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006/01/02 15:04:05.000")
}

func lagText(p driver.PartitionProgress) string {
	if p.Latest < 0 {
		return "unknown"
	}
	return strconv.FormatInt(p.Lag(), 10)
}

// Handler serves the Streaming tab of l: "streaming/" and
// "streaming/batch?id=<batch time in ms>", with "/" sent to the tab. All
// its links are relative, so that it works below any prefix: the RM's
// proxy and history paths.
func Handler(l *Listener) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", relativeRedirect("streaming/"))
	mux.HandleFunc("GET /streaming", relativeRedirect("streaming/"))
	mux.HandleFunc("GET /streaming/{$}", func(w http.ResponseWriter, r *http.Request) {
		page := 1
		if v := r.URL.Query().Get("page"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				render(w, http.StatusBadRequest, "missing", fmt.Sprintf("page %q: give a page number from 1", v))
				return
			}
			page = n
		}
		p := buildStreamingPage(l.Snapshot(), page)
		p.Receivers = receiverRows(l.Receivers(), time.Now())
		render(w, http.StatusOK, "streaming", p)
	})
	mux.HandleFunc("GET /streaming/batch", func(w http.ResponseWriter, r *http.Request) {
		raw := r.URL.Query().Get("id")
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			render(w, http.StatusBadRequest, "missing", fmt.Sprintf("batch id %q is not a batch time in ms since the epoch", raw))
			return
		}
		b, ok := l.Batch(id)
		if !ok {
			render(w, http.StatusNotFound, "missing", fmt.Sprintf("batch %d is not among the last %d completed batches (spark.streaming.ui.retainedBatches)", id, l.Limit()))
			return
		}
		render(w, http.StatusOK, "batch", batchPage{App: l.App(), B: b, InputRate: inputRate(b, l.App().BatchDuration)})
	})
	return mux
}

// relativeRedirect answers with a relative Location, which
// http.Redirect would make absolute: below the RM's proxy or history
// prefix, an absolute path would leave it.
func relativeRedirect(to string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", to)
		w.WriteHeader(http.StatusFound)
	}
}

func render(w http.ResponseWriter, code int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name+".html", data); err != nil {
		http.Error(w, "render "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// batchPage is one batch's page.
type batchPage struct {
	App       AppInfo
	B         driver.BatchInfo
	InputRate float64
}

// inputRate is a batch's records over the batch interval, as Spark's.
func inputRate(b driver.BatchInfo, interval time.Duration) float64 {
	if interval <= 0 {
		return 0
	}
	return float64(b.Records) / interval.Seconds()
}

// metricChart is one of the four statistics with its timeline and
// histogram.
type metricChart struct {
	Name, Unit string
	Avg        string
	Timeline   template.HTML
	Histogram  template.HTML
}

// BatchesPageSize is how many completed batches one page of the table
// lists; the charts show every retained batch.
const BatchesPageSize = 100

// streamingPage is the Streaming tab.
type streamingPage struct {
	S Snapshot
	// Rows are the completed batches on this page of the table, newest
	// first, From the number of the first; Prev and Next link to the
	// neighbouring pages ("" at an end).
	Rows       []driver.BatchInfo
	From       int
	Prev, Next string
	Charts     []metricChart
	RateLimit  template.HTML
	LastLimit  float64
	Lag        template.HTML
	Partitions int
	Uptime     string
	// Receivers are the job's receivers; none for a job without.
	Receivers []receiverRow
}

func buildStreamingPage(s Snapshot, page int) streamingPage {
	p := streamingPage{S: s}
	from := min((page-1)*BatchesPageSize, len(s.Batches))
	to := min(from+BatchesPageSize, len(s.Batches))
	p.Rows, p.From = s.Batches[from:to], from+1
	if page > 1 {
		p.Prev = "?page=" + strconv.Itoa(page-1)
	}
	if to < len(s.Batches) {
		p.Next = "?page=" + strconv.Itoa(page+1)
	}
	if !s.App.Started.IsZero() {
		end := s.SnapshotTaken
		if !s.App.Ended.IsZero() {
			end = s.App.Ended
		}
		p.Uptime = formatMs(float64(end.Sub(s.App.Started).Milliseconds()))
	}
	n := len(s.Batches)
	rate := make([]point, 0, n)
	sched := make([]point, 0, n)
	proc := make([]point, 0, n)
	total := make([]point, 0, n)
	limit := make([]point, 0, n)
	lagBy := map[string][]point{}
	var lagOrder []string
	// Oldest first, for the lines.
	for i := n - 1; i >= 0; i-- {
		b := s.Batches[i]
		rate = append(rate, point{b.Time, inputRate(b, s.App.BatchDuration)})
		sched = append(sched, point{b.Time, float64(b.SchedulingDelay.Milliseconds())})
		proc = append(proc, point{b.Time, float64(b.ProcessingDelay.Milliseconds())})
		total = append(total, point{b.Time, float64(b.SchedulingDelay.Milliseconds() + b.ProcessingDelay.Milliseconds())})
		limit = append(limit, point{b.Time, b.RateLimit})
		for _, pp := range b.Partitions {
			if pp.Latest < 0 {
				continue
			}
			key := pp.Topic + "-" + strconv.Itoa(int(pp.Partition))
			if _, ok := lagBy[key]; !ok {
				lagOrder = append(lagOrder, key)
			}
			lagBy[key] = append(lagBy[key], point{b.Time, float64(pp.Lag())})
		}
	}
	if n > 0 {
		p.LastLimit = s.Batches[0].RateLimit
	}
	for _, c := range []struct {
		id, name, unit string
		pts            []point
	}{
		{"input-rate", "Input rate", "records/s", rate},
		{"scheduling-delay", "Scheduling delay", "ms", sched},
		{"processing-time", "Processing time", "ms", proc},
		{"total-delay", "Total delay", "ms", total},
	} {
		values := make([]float64, len(c.pts))
		sum := 0.0
		for i, pt := range c.pts {
			values[i] = pt.v
			sum += pt.v
		}
		avg := "-"
		if len(values) > 0 {
			avg = formatValue(sum/float64(len(values)), c.unit)
		}
		p.Charts = append(p.Charts, metricChart{
			Name: c.name, Unit: c.unit, Avg: avg,
			Timeline:  timeline(c.id, c.unit, []series{{points: c.pts}}),
			Histogram: histogram(c.id+"-hist", c.unit, values),
		})
	}
	p.RateLimit = timeline("rate-limit", "records/s", []series{{points: limit}})
	lines := make([]series, 0, len(lagOrder))
	for _, k := range lagOrder {
		lines = append(lines, series{label: k, points: lagBy[k]})
	}
	p.Partitions = len(lines)
	p.Lag = timeline("kafka-lag", "records", lines)
	return p
}
