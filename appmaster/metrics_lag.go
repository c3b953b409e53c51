package appmaster

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spindlehq/spindle/driver"
)

// Kinds of lag warning in spindle_am_kafka_lag_warnings_total.
const (
	LagWarningRecords = "records"
	LagWarningAge     = "age"
)

// kafkaMetrics are the per-partition Kafka series: consumer lag, offsets
// lost to retention, and the lag monitor's findings.
type kafkaMetrics struct {
	lag         *prometheus.GaugeVec
	outOfRange  *prometheus.CounterVec
	lost        *prometheus.CounterVec
	oldestAge   *prometheus.GaugeVec
	lagWarnings *prometheus.CounterVec
}

func newKafkaMetrics(reg prometheus.Registerer) kafkaMetrics {
	tp := []string{"topic", "partition"}
	k := kafkaMetrics{
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "spindle_am_kafka_consumer_lag_records",
			Help: "Records of a partition not read yet, as the lag monitor last measured it (also while no batch completes) or the last completed batch was planned.",
		}, tp),
		outOfRange: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "spindle_am_kafka_offsets_out_of_range_total",
			Help: "Times a partition's next offset was outside what Kafka held (usually deleted by retention before it was read), so reading was reset per auto.offset.reset.",
		}, tp),
		lost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "spindle_am_kafka_records_lost_total",
			Help: "Offsets skipped, never read, because Kafka had deleted them before the stream reached them.",
		}, tp),
		oldestAge: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "spindle_am_kafka_consumer_lag_oldest_seconds",
			Help: "Age of the oldest record of a partition the stream has not read yet, as the lag monitor last saw it.",
		}, tp),
		lagWarnings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "spindle_am_kafka_lag_warnings_total",
			Help: "Times the lag monitor found a partition over its lag threshold: kind records (unread records) or age (age of the oldest unread record).",
		}, []string{"topic", "partition", "kind"}),
	}
	reg.MustRegister(k.lag, k.outOfRange, k.lost, k.oldestAge, k.lagWarnings)
	return k
}

// onBatch sets each partition's lag from a completed batch (leaving it
// as it was where the batch does not know it) and counts the offsets
// retention deleted before they were read.
func (k kafkaMetrics) onBatch(b driver.BatchInfo) {
	for _, p := range b.Partitions {
		if lag := p.Lag(); lag >= 0 {
			k.lag.WithLabelValues(p.Topic, partitionLabel(p.Partition)).Set(float64(lag))
		}
	}
	for _, ev := range b.OutOfRange {
		part := partitionLabel(ev.Partition)
		k.outOfRange.WithLabelValues(ev.Topic, part).Inc()
		k.lost.WithLabelValues(ev.Topic, part).Add(float64(max(0, ev.Lost)))
	}
}

// OnLag records a measurement of the lag monitor: each partition's lag
// and oldest unread record's age, the total lag, and one warning per
// sample and threshold it is over.
func (m *Metrics) OnLag(samples []driver.LagSample) {
	if m == nil || len(samples) == 0 {
		return
	}
	var total int64
	for _, s := range samples {
		part := partitionLabel(s.Partition)
		total += s.Records
		m.kafka.lag.WithLabelValues(s.Topic, part).Set(float64(s.Records))
		m.kafka.oldestAge.WithLabelValues(s.Topic, part).Set(max(0, s.OldestAge).Seconds())
		if s.OverRecords {
			m.kafka.lagWarnings.WithLabelValues(s.Topic, part, LagWarningRecords).Inc()
		}
		if s.OverAge {
			m.kafka.lagWarnings.WithLabelValues(s.Topic, part, LagWarningAge).Inc()
		}
	}
	m.mu.Lock()
	m.lag = total
	m.mu.Unlock()
}

// partitionLabel is a partition number as a label value.
func partitionLabel(p int32) string { return strconv.FormatInt(int64(p), 10) }
