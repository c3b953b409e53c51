package appmaster

import (
	"math"
	"sort"
	"time"

	"github.com/spindlehq/spindle/driver"
)

// metricsJSONVersion is the "version" field of Dropwizard's JSON, which
// Spark's MetricsServlet writes.
const metricsJSONVersion = "4.0.0"

// MetricsJSON is the document /metrics/json serves, in the shape of
// Spark's MetricsServlet (Dropwizard's JSON): metric name → value.
type MetricsJSON struct {
	// Version is Dropwizard's JSON format version.
	Version string `json:"version"`
	// Gauges, Counters and Histograms are the metrics by name.
	Gauges     map[string]GaugeJSON     `json:"gauges"`
	Counters   map[string]CounterJSON   `json:"counters"`
	Histograms map[string]HistogramJSON `json:"histograms"`
	// Meters and Timers are empty: the AM has none, but readers of
	// Spark's servlet expect the keys.
	Meters map[string]any `json:"meters"`
	Timers map[string]any `json:"timers"`
}

// GaugeJSON is one gauge.
type GaugeJSON struct {
	// Value is the gauge's current value.
	Value float64 `json:"value"`
}

// CounterJSON is one counter.
type CounterJSON struct {
	// Count is the counter's total.
	Count int64 `json:"count"`
}

// HistogramJSON summarises the last samples of a histogram, with
// Dropwizard's fields: Count of every sample, the others over the window
// (pNN are quantiles, Stddev the sample standard deviation).
type HistogramJSON struct {
	Count  int64   `json:"count"`
	Max    float64 `json:"max"`
	Mean   float64 `json:"mean"`
	Min    float64 `json:"min"`
	P50    float64 `json:"p50"`
	P75    float64 `json:"p75"`
	P95    float64 `json:"p95"`
	P98    float64 `json:"p98"`
	P99    float64 `json:"p99"`
	P999   float64 `json:"p999"`
	Stddev float64 `json:"stddev"`
}

// Snapshot returns the metrics as /metrics/json serves them. Times are in
// milliseconds and rates in records per second, as Spark's streaming
// source reports them.
func (m *Metrics) Snapshot() MetricsJSON {
	out := MetricsJSON{
		Version:    metricsJSONVersion,
		Gauges:     map[string]GaugeJSON{},
		Counters:   map[string]CounterJSON{},
		Histograms: map[string]HistogramJSON{},
		Meters:     map[string]any{},
		Timers:     map[string]any{},
	}
	if m == nil {
		return out
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	gauge := func(name string, v float64) { out.Gauges[name] = GaugeJSON{Value: v} }
	counter := func(name string, v int64) { out.Counters[name] = CounterJSON{Count: v} }

	gauge(m.amName("attemptNumber"), float64(m.attempt))
	gauge(m.amName("numExecutorsRunning"), float64(m.executorsRunning))
	gauge(m.amName("numContainersPendingAllocate"), float64(m.executorsPending))
	gauge(m.amName("numExecutorsFailed"), float64(m.executorFailures))
	counter(m.amName("numContainersAllocated"), m.containersAllocated)
	counter(m.amName("numContainersFailed"), m.containersFailed)
	counter(m.amName("numContainersKilledForMemory"), m.memoryKills)

	completed, records := m.stats.l.Totals()
	// Spark reports -1 for the last batch's times until one completes.
	done := completed > 0
	lastMs := func(f func(b driver.BatchInfo) float64) float64 {
		if !done {
			return -1
		}
		return f(m.last)
	}
	epochMs := func(t time.Time) float64 {
		if t.IsZero() {
			return -1
		}
		return float64(t.UnixMilli())
	}
	gauge(m.streamingName("receivers"), float64(m.numReceivers))
	gauge(m.streamingName("totalCompletedBatches"), float64(completed))
	gauge(m.streamingName("totalReceivedRecords"), float64(records))
	gauge(m.streamingName("totalProcessedRecords"), float64(records))
	// The driver reports batches once completed: none is seen waiting or
	// running.
	gauge(m.streamingName("unprocessedBatches"), 0)
	gauge(m.streamingName("waitingBatches"), 0)
	gauge(m.streamingName("runningBatches"), 0)
	gauge(m.streamingName("retainedCompletedBatches"), float64(len(m.stats.l.Batches())))
	for _, prefix := range []string{"lastCompletedBatch_", "lastReceivedBatch_"} {
		gauge(m.streamingName(prefix+"submissionTime"), lastMs(func(b driver.BatchInfo) float64 { return epochMs(b.Time) }))
		gauge(m.streamingName(prefix+"processingStartTime"), lastMs(func(b driver.BatchInfo) float64 { return epochMs(b.Started) }))
		gauge(m.streamingName(prefix+"processingEndTime"), lastMs(func(b driver.BatchInfo) float64 { return epochMs(b.Finished) }))
	}
	gauge(m.streamingName("lastReceivedBatch_records"), float64(m.last.Records))
	gauge(m.streamingName("lastCompletedBatch_records"), float64(m.last.Records))
	gauge(m.streamingName("lastCompletedBatch_processingDelay"), lastMs(func(b driver.BatchInfo) float64 { return millis(b.ProcessingDelay) }))
	gauge(m.streamingName("lastCompletedBatch_schedulingDelay"), lastMs(func(b driver.BatchInfo) float64 { return millis(b.SchedulingDelay) }))
	gauge(m.streamingName("lastCompletedBatch_totalDelay"), lastMs(func(b driver.BatchInfo) float64 { return millis(b.TotalDelay()) }))
	gauge(m.streamingName("inputRate"), m.inputRate)
	gauge(m.streamingName("rateLimit"), m.last.RateLimit)
	gauge(m.streamingName("consumerLag"), float64(m.lag))
	out.Histograms[m.streamingName("batchProcessingTime")] = m.processingMs.summary()
	out.Histograms[m.streamingName("schedulingDelay")] = m.schedulingMs.summary()
	return out
}

// millis is a duration in milliseconds, to the microsecond, as Spark's
// streaming source reports times.
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// window keeps the last n samples of a histogram and how many there were
// in all.
type window struct {
	samples []float64
	next    int
	count   int64
}

func newWindow(n int) *window { return &window{samples: make([]float64, 0, n)} }

// add records a sample, dropping the oldest once the window is full.
func (w *window) add(v float64) {
	w.count++
	if len(w.samples) < cap(w.samples) {
		w.samples = append(w.samples, v)
		return
	}
	w.samples[w.next] = v
	w.next = (w.next + 1) % len(w.samples)
}

// summary computes Dropwizard's histogram fields over the window; the
// count is of every sample ever added.
func (w *window) summary() HistogramJSON {
	h := HistogramJSON{Count: w.count}
	n := len(w.samples)
	if n == 0 {
		return h
	}
	sorted := append([]float64(nil), w.samples...)
	sort.Float64s(sorted)
	sum := 0.0
	for _, v := range sorted {
		sum += v
	}
	h.Min, h.Max, h.Mean = sorted[0], sorted[n-1], sum/float64(n)
	if n > 1 {
		sq := 0.0
		for _, v := range sorted {
			sq += (v - h.Mean) * (v - h.Mean)
		}
		h.Stddev = math.Sqrt(sq / float64(n-1))
	}
	q := func(p float64) float64 { return quantile(sorted, p) }
	h.P50, h.P75, h.P95, h.P98, h.P99, h.P999 = q(0.5), q(0.75), q(0.95), q(0.98), q(0.99), q(0.999)
	return h
}

// quantile interpolates as Dropwizard's UniformSnapshot does: position
// p·(n+1), clamped to the first and last samples.
func quantile(sorted []float64, p float64) float64 {
	pos := p * float64(len(sorted)+1)
	switch {
	case pos < 1:
		return sorted[0]
	case pos >= float64(len(sorted)):
		return sorted[len(sorted)-1]
	}
	lower := sorted[int(pos)-1]
	upper := sorted[int(pos)]
	return lower + (pos-math.Floor(pos))*(upper-lower)
}
