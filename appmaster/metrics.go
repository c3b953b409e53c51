package appmaster

import (
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spindlehq/spindle/appmaster/streamingui"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/ids"
)

// ApplicationIDLabel is the label every series of an AM carries, with
// its application id.
const ApplicationIDLabel = "application_id"

// DefaultMetricsWindow is how many batches the JSON histograms summarise:
// the size of Dropwizard's default reservoir, which Spark's MetricsServlet
// reports from.
const DefaultMetricsWindow = 1028

// MetricsConfig names an ApplicationMaster's metrics.
type MetricsConfig struct {
	// AttemptID is the AM's attempt (appattempt_<ts>_<seq>_<n>): its
	// application id prefixes the JSON names, as Spark's
	// spark.metrics.namespace does by default, and n is the attempt gauge.
	AttemptID string
	// AppName is spark.app.name; Spark puts it in the streaming source's
	// name (<app id>.driver.<app name>.StreamingMetrics…).
	AppName string
	// Window is how many batches the JSON histograms keep; 0 means
	// DefaultMetricsWindow.
	Window int
	// RetainedBatches is how many completed batches the REST API keeps
	// (spark.streaming.ui.retainedBatches); 0 means
	// DefaultRetainedBatches.
	RetainedBatches int
	// BatchDuration is the streaming driver's batch interval
	// (spindle.streaming.batchDuration), which the REST API reports and
	// its average input rate divides by; 0 means one second.
	BatchDuration time.Duration
}

// Metrics are an ApplicationMaster's metrics: its containers and
// executors, and the batches of the streaming driver it runs. They are
// served as Prometheus text on /metrics and in the JSON shape of Spark's
// MetricsServlet on /metrics/json (see Handler). All methods are safe for
// concurrent use and do nothing on a nil *Metrics.
type Metrics struct {
	cfg      MetricsConfig
	appID    string
	attempt  int64
	registry *prometheus.Registry
	// reg registers into registry with the application_id label on every
	// series, so that one Prometheus tells the applications apart.
	reg prometheus.Registerer

	processingHist prometheus.Histogram
	schedulingHist prometheus.Histogram
	totalDelayHist prometheus.Histogram
	stageHist      *prometheus.HistogramVec
	kafka          kafkaMetrics

	mu sync.Mutex
	// Container and executor counts.
	containersAllocated int64
	containersFailed    int64
	memoryKills         int64
	executorFailures    int64
	executorsRunning    int64
	executorsPending    int64
	// Batch statistics: the retained batches and totals, and the last
	// batch, zero until one completes. lag is the records not read yet:
	// the last batch's planned lag or the lag monitor's newer measurement.
	stats *streamingStats
	// receivers returns the driver's receivers (OnReceivers); nil for a
	// job without.
	receivers     func() []driver.ReceiverState
	numReceivers  int
	last          driver.BatchInfo
	lag           int64
	lastBatchTime time.Time
	inputRate     float64
	processingMs  *window
	schedulingMs  *window
	// events writes the event log, when there is one.
	events eventSink
}

// NewMetrics returns an AM's metrics with every value at zero.
func NewMetrics(cfg MetricsConfig) *Metrics {
	if cfg.Window <= 0 {
		cfg.Window = DefaultMetricsWindow
	}
	if cfg.RetainedBatches <= 0 {
		cfg.RetainedBatches = DefaultRetainedBatches
	}
	if cfg.BatchDuration <= 0 {
		cfg.BatchDuration = defaultBatchDuration
	}
	m := &Metrics{
		cfg:          cfg,
		appID:        "unknown",
		registry:     prometheus.NewRegistry(),
		processingMs: newWindow(cfg.Window),
		schedulingMs: newWindow(cfg.Window),
		stats:        newStreamingStats(cfg.RetainedBatches, cfg.BatchDuration, time.Now()),
	}
	if a, err := ids.ParseAttemptID(cfg.AttemptID); err == nil {
		m.appID, m.attempt = a.App.String(), a.Attempt
	}
	m.stats.l.SetApp(streamingui.AppInfo{AppID: m.appID, Attempt: m.attempt, Name: cfg.AppName, Started: m.stats.started, BatchDuration: cfg.BatchDuration})
	m.reg = prometheus.WrapRegistererWith(prometheus.Labels{ApplicationIDLabel: m.appID}, m.registry)
	m.register()
	return m
}

// register adds every metric to the Prometheus registry. Counters and
// gauges read the fields under the lock so that /metrics and /metrics/json
// always agree.
func (m *Metrics) register() {
	counter := func(name, help string, v *int64) {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, m.read(func() float64 { return float64(*v) })))
	}
	gauge := func(name, help string, f func() float64) {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, m.read(f)))
	}
	counter("spindle_am_containers_allocated_total", "Executor containers the RM allocated to this AM.", &m.containersAllocated)
	counter("spindle_am_containers_failed_total", "Executor containers that completed with a failure (not stopped or released by this AM).", &m.containersFailed)
	counter("spindle_am_containers_killed_memory_total", "Executor containers killed for exceeding their physical memory allocation (exit status -104).", &m.memoryKills)
	counter("spindle_am_executor_failures_total", "Executor failures counted toward spark.yarn.max.executor.failures: failed containers, failed launches, registration timeouts.", &m.executorFailures)
	total := func(name, help string, f func(completed, records int64) int64) {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f(m.stats.l.Totals())) }))
	}
	total("spindle_am_batches_completed_total", "Streaming batches completed.", func(c, _ int64) int64 { return c })
	total("spindle_am_records_processed_total", "Records read by completed batches.", func(_, r int64) int64 { return r })
	gauge("spindle_am_executors_running", "Executors launched and not completed.", func() float64 { return float64(m.executorsRunning) })
	gauge("spindle_am_executors_pending", "Executors asked for and not yet allocated (Spark's numContainersPendingAllocate); the application's diagnostics say why they wait when no node can hold them.", func() float64 { return float64(m.executorsPending) })
	gauge("spindle_am_attempt", "This AM's attempt number (1 for the first attempt).", func() float64 { return float64(m.attempt) })
	gauge("spindle_am_last_batch_records", "Records read by the last completed batch.", func() float64 { return float64(m.last.Records) })
	gauge("spindle_am_last_batch_processing_seconds", "Processing time of the last completed batch.", func() float64 { return m.last.ProcessingDelay.Seconds() })
	gauge("spindle_am_last_batch_scheduling_delay_seconds", "Scheduling delay of the last completed batch: from its batch time to its start.", func() float64 { return m.last.SchedulingDelay.Seconds() })
	gauge("spindle_am_input_rate_records_per_second", "Records per second of the last completed batch: its records over the batch interval.", func() float64 { return m.inputRate })
	gauge("spindle_am_rate_limit_records_per_second", "Backpressure rate limit the last batch was planned with (0: no limit).", func() float64 { return m.last.RateLimit })
	gauge("spindle_am_consumer_lag_records", "Records in Kafka not yet read, as the lag monitor last measured it (also while no batch completes) or the last batch was planned.", func() float64 { return float64(m.lag) })
	buckets := prometheus.ExponentialBuckets(0.005, 2, 14)
	m.processingHist = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "spindle_am_batch_processing_seconds", Help: "Processing time of completed batches.", Buckets: buckets})
	m.schedulingHist = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "spindle_am_batch_scheduling_delay_seconds", Help: "Scheduling delay of completed batches.", Buckets: buckets})
	m.totalDelayHist = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "spindle_am_batch_total_delay_seconds", Help: "Total delay of completed batches: scheduling delay plus processing time.", Buckets: buckets})
	m.stageHist = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "spindle_am_batch_stage_seconds",
		Help:    "Time completed batches spent in each stage: wall time for plan, offsets, state and commit; summed over the batch's tasks for read, process and write.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"stage"})
	m.reg.MustRegister(m.processingHist, m.schedulingHist, m.totalDelayHist, m.stageHist)
	m.kafka = newKafkaMetrics(m.reg)
}

// read wraps f to run under the lock.
func (m *Metrics) read(f func() float64) func() float64 {
	return func() float64 {
		m.mu.Lock()
		defer m.mu.Unlock()
		return f()
	}
}

// Registry is the Prometheus registry the metrics are in.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.registry
}

// OnBatch records a completed batch; it is the streaming driver's
// StreamingOptions.OnBatch.
func (m *Metrics) OnBatch(b driver.BatchInfo) {
	if m == nil {
		return
	}
	m.processingHist.Observe(b.ProcessingDelay.Seconds())
	m.schedulingHist.Observe(b.SchedulingDelay.Seconds())
	m.totalDelayHist.Observe(b.TotalDelay().Seconds())
	for _, st := range b.Stages {
		m.stageHist.WithLabelValues(st.Stage).Observe(st.Duration.Seconds())
	}
	m.kafka.onBatch(b)
	m.mu.Lock()
	defer m.mu.Unlock()
	// Batch times are one batch interval apart, so the interval is the
	// gap to the previous batch; a replayed batch keeps its old time.
	if !m.lastBatchTime.IsZero() && b.Time.After(m.lastBatchTime) {
		m.inputRate = float64(b.Records) / b.Time.Sub(m.lastBatchTime).Seconds()
	}
	if b.Time.After(m.lastBatchTime) {
		m.lastBatchTime = b.Time
	}
	m.stats.add(b)
	m.events.batchCompleted(b)
	m.last = b
	m.lag = b.Lag
	m.processingMs.add(float64(b.ProcessingDelay) / float64(time.Millisecond))
	m.schedulingMs.add(float64(b.SchedulingDelay) / float64(time.Millisecond))
}

// containerEvents are what one heartbeat to the RM changed.
type containerEvents struct {
	allocated, failed, memoryKills, executorFailures int64
	running                                          int
}

// record adds one heartbeat's container events.
func (m *Metrics) record(ev containerEvents) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.containersAllocated += ev.allocated
	m.containersFailed += ev.failed
	m.memoryKills += ev.memoryKills
	m.executorFailures += ev.executorFailures
	m.executorsRunning = int64(ev.running)
}

// setPendingExecutors records how many executors wait for a container.
func (m *Metrics) setPendingExecutors(n int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.executorsPending = int64(max(n, 0))
}

// streamingName is a streaming metric's JSON name, as Spark's
// StreamingSource names it.
func (m *Metrics) streamingName(name string) string {
	app := m.cfg.AppName
	if app == "" {
		app = "spindle"
	}
	// Dots would split the name into more parts than Spark's.
	app = strings.ReplaceAll(app, ".", "_")
	return m.appID + ".driver." + app + ".StreamingMetrics.streaming." + name
}

// amName is an AM metric's JSON name, as Spark's ApplicationMasterSource
// names it.
func (m *Metrics) amName(name string) string {
	return m.appID + ".applicationMaster." + name
}
