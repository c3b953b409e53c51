package appmaster

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spindlehq/spindle/driver"
)

// ReceiverInfo is one receiver of /api/v1/streaming/receivers: Spark's
// ReceiverInfo (fields it leaves out while unknown are omitted), followed
// by Spindle's counts since the driver started.
type ReceiverInfo struct {
	StreamID         int          `json:"streamId"`
	StreamName       string       `json:"streamName"`
	IsActive         bool         `json:"isActive"`
	ExecutorID       string       `json:"executorId,omitempty"`
	ExecutorHost     string       `json:"executorHost,omitempty"`
	LastErrorTime    *SparkTime   `json:"lastErrorTime,omitempty"`
	LastErrorMessage string       `json:"lastErrorMessage,omitempty"`
	LastError        string       `json:"lastError,omitempty"`
	AvgEventRate     *float64     `json:"avgEventRate,omitempty"`
	EventRates       [][2]float64 `json:"eventRates"`

	// NumRecordsReceived and NumBlocks count what it stored; WALWriteTime
	// is the time, in milliseconds, its executors spent writing those
	// blocks to the write-ahead log; NumErrors counts its reported
	// errors, restarts and failed runs; NumRecordsLost counts the records
	// of its blocks lost with an executor's memory (write-ahead log off).
	NumRecordsReceived int64 `json:"numRecordsReceived"`
	NumBlocks          int64 `json:"numBlocks"`
	WALWriteTime       int64 `json:"walWriteTime"`
	NumErrors          int64 `json:"numErrors"`
	NumRecordsLost     int64 `json:"numRecordsLost"`
}

// receiverRoutes are the receivers' resources of the streaming REST API.
func (m *Metrics) receiverRoutes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{"/receivers": m.serveReceivers, "/receivers/{streamId}": m.serveReceiver}
}

// OnReceivers gives the metrics the driver's receivers, read on each
// request and scrape.
func (m *Metrics) OnReceivers(states func() []driver.ReceiverState) {
	n := len(states())
	m.mu.Lock()
	first := m.receivers == nil
	m.receivers, m.numReceivers = states, n
	m.mu.Unlock()
	m.stats.l.SetReceivers(states)
	if first {
		m.reg.MustRegister(receiverCollector{m})
	}
}

// receiverStates returns the receivers' states; none without receivers.
func (m *Metrics) receiverStates() []driver.ReceiverState {
	m.mu.Lock()
	f := m.receivers
	m.mu.Unlock()
	if f == nil {
		return nil
	}
	return f()
}

// receiverCounts are statistics' numReceivers, numActiveReceivers and
// numInactiveReceivers.
func (m *Metrics) receiverCounts(st *StreamingStatistics) {
	for _, r := range m.receiverStates() {
		st.NumReceivers++
		if r.Active {
			st.NumActiveReceivers++
		} else {
			st.NumInactiveReceivers++
		}
	}
}

func receiverInfo(r driver.ReceiverState, now time.Time) ReceiverInfo {
	info := ReceiverInfo{StreamID: r.StreamID, StreamName: r.Name, IsActive: r.Active, ExecutorID: r.ExecutorID, ExecutorHost: r.ExecutorHost,
		EventRates: [][2]float64{}, NumRecordsReceived: r.Records, NumBlocks: r.Blocks, WALWriteTime: r.WALWrite.Milliseconds(), NumErrors: r.Errors, NumRecordsLost: r.RecordsLost}
	if r.LastError != "" {
		t := SparkTime(r.LastErrorTime)
		info.LastErrorTime, info.LastErrorMessage, info.LastError = &t, r.LastError, r.LastError
	}
	if !r.Started.IsZero() {
		if d := now.Sub(r.Started).Seconds(); d > 0 {
			rate := float64(r.Records) / d
			info.AvgEventRate = &rate
		}
	}
	return info
}

func (m *Metrics) serveReceivers(w http.ResponseWriter, _ *http.Request) {
	now := time.Now()
	out := []ReceiverInfo{}
	for _, r := range m.receiverStates() {
		out = append(out, receiverInfo(r, now))
	}
	writeJSON(w, out)
}

func (m *Metrics) serveReceiver(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("streamId")
	id, err := strconv.Atoi(raw)
	states := m.receiverStates()
	if err != nil || id < 0 || id >= len(states) {
		http.Error(w, fmt.Sprintf("unknown receiver: %s (this application has %d receivers, streams 0 to %d)", raw, len(states), len(states)-1), http.StatusNotFound)
		return
	}
	writeJSON(w, receiverInfo(states[id], time.Now()))
}

// receiverCollector exports each receiver's counts to Prometheus.
type receiverCollector struct{ m *Metrics }

var (
	receiverLabels      = []string{"stream_id", "stream_name"}
	descReceiverActive  = prometheus.NewDesc("spindle_streaming_receiver_active", "1 while the receiver runs, 0 while it is being started again.", receiverLabels, nil)
	descReceiverRecords = prometheus.NewDesc("spindle_streaming_receiver_records_received_total", "Records the receiver stored.", receiverLabels, nil)
	descReceiverBlocks  = prometheus.NewDesc("spindle_streaming_receiver_blocks_total", "Blocks the receiver stored.", receiverLabels, nil)
	descReceiverWAL     = prometheus.NewDesc("spindle_streaming_receiver_wal_write_seconds_total", "Time spent writing the receiver's blocks to the write-ahead log.", receiverLabels, nil)
	descReceiverErrors  = prometheus.NewDesc("spindle_streaming_receiver_errors_total", "Errors the receiver reported, its restarts and failed runs.", receiverLabels, nil)
	descReceiverLost    = prometheus.NewDesc("spindle_streaming_receiver_records_lost_total", "Records of the receiver's blocks lost with an executor's memory (write-ahead log off).", receiverLabels, nil)
)

func (c receiverCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descReceiverActive, descReceiverRecords, descReceiverBlocks, descReceiverWAL, descReceiverErrors, descReceiverLost} {
		ch <- d
	}
}

func (c receiverCollector) Collect(ch chan<- prometheus.Metric) {
	for _, r := range c.m.receiverStates() {
		labels := []string{strconv.Itoa(r.StreamID), r.Name}
		active := 0.0
		if r.Active {
			active = 1
		}
		ch <- prometheus.MustNewConstMetric(descReceiverActive, prometheus.GaugeValue, active, labels...)
		ch <- prometheus.MustNewConstMetric(descReceiverRecords, prometheus.CounterValue, float64(r.Records), labels...)
		ch <- prometheus.MustNewConstMetric(descReceiverBlocks, prometheus.CounterValue, float64(r.Blocks), labels...)
		ch <- prometheus.MustNewConstMetric(descReceiverWAL, prometheus.CounterValue, r.WALWrite.Seconds(), labels...)
		ch <- prometheus.MustNewConstMetric(descReceiverErrors, prometheus.CounterValue, float64(r.Errors), labels...)
		ch <- prometheus.MustNewConstMetric(descReceiverLost, prometheus.CounterValue, float64(r.RecordsLost), labels...)
	}
}
