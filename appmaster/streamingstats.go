package appmaster

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spindlehq/spindle/appmaster/streamingui"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
)

// Defaults of MetricsConfig: those of spark.streaming.ui.retainedBatches
// and spindle.streaming.batchDuration.
const (
	DefaultRetainedBatches = streamingui.DefaultRetainedBatches
	defaultBatchDuration   = time.Second
)

// Batch statuses of Spark's REST API. Only completed batches are reported
// to the AM, so the other two always list none.
const (
	BatchStatusCompleted  = "COMPLETED"
	BatchStatusQueued     = "QUEUED"
	BatchStatusProcessing = "PROCESSING"
)

// batchStatuses are the statuses ?status= accepts, in Spark's order.
var batchStatuses = []string{BatchStatusCompleted, BatchStatusQueued, BatchStatusProcessing}

// sparkTimeLayout is how Spark's REST API writes dates: milliseconds, in
// GMT.
const sparkTimeLayout = "2006-01-02T15:04:05.000GMT"

// MetricsConfigFromApp reads the batch statistics' settings from an
// application's configuration, as submit checked it:
// spark.streaming.ui.retainedBatches and spindle.streaming.batchDuration.
func MetricsConfigFromApp(a conf.AppConf) MetricsConfig {
	return MetricsConfig{RetainedBatches: int(a.Int(conf.KeyRetainedBatches)), BatchDuration: a.Duration(conf.KeyBatchDuration)}
}

// SparkTime is a time as Spark's REST API writes it:
// "2015-01-01T00:00:00.000GMT".
type SparkTime time.Time

// MarshalJSON writes the time in Spark's format.
func (t SparkTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(sparkTimeLayout) + `"`), nil
}

// StreamingStatistics is /api/v1/streaming/statistics: Spark's
// StreamingStatistics. The averages are over the retained batches and are
// left out while there are none; times are in milliseconds. Spindle reads
// Kafka directly, without receivers; the receiver counts are those of the
// job's receivers (sdk.Receiving).
type StreamingStatistics struct {
	StartTime                   SparkTime `json:"startTime"`
	BatchDuration               int64     `json:"batchDuration"`
	NumReceivers                int       `json:"numReceivers"`
	NumActiveReceivers          int       `json:"numActiveReceivers"`
	NumInactiveReceivers        int       `json:"numInactiveReceivers"`
	NumTotalCompletedBatches    int64     `json:"numTotalCompletedBatches"`
	NumRetainedCompletedBatches int64     `json:"numRetainedCompletedBatches"`
	NumActiveBatches            int64     `json:"numActiveBatches"`
	NumProcessedRecords         int64     `json:"numProcessedRecords"`
	NumReceivedRecords          int64     `json:"numReceivedRecords"`
	AvgInputRate                *float64  `json:"avgInputRate,omitempty"`
	AvgSchedulingDelay          *int64    `json:"avgSchedulingDelay,omitempty"`
	AvgProcessingTime           *int64    `json:"avgProcessingTime,omitempty"`
	AvgTotalDelay               *int64    `json:"avgTotalDelay,omitempty"`
}

// StreamingBatch is one batch of /api/v1/streaming/batches: Spark's
// BatchInfo (the batch id is the batch time in milliseconds; times are in
// milliseconds), followed by Spindle's own fields. The batch's write to
// the sink is its one output operation.
type StreamingBatch struct {
	BatchID               int64     `json:"batchId"`
	BatchTime             SparkTime `json:"batchTime"`
	Status                string    `json:"status"`
	BatchDuration         int64     `json:"batchDuration"`
	InputSize             int64     `json:"inputSize"`
	SchedulingDelay       int64     `json:"schedulingDelay"`
	ProcessingTime        int64     `json:"processingTime"`
	TotalDelay            int64     `json:"totalDelay"`
	NumActiveOutputOps    int       `json:"numActiveOutputOps"`
	NumCompletedOutputOps int       `json:"numCompletedOutputOps"`
	NumFailedOutputOps    int       `json:"numFailedOutputOps"`
	NumTotalOutputOps     int       `json:"numTotalOutputOps"`

	// ProcessingStartTime and ProcessingEndTime bound the batch's
	// processing.
	ProcessingStartTime *SparkTime `json:"processingStartTime,omitempty"`
	ProcessingEndTime   *SparkTime `json:"processingEndTime,omitempty"`
	// RecordsRejected went to the dead-letter output, OutputRecords to the
	// sink.
	RecordsRejected int64 `json:"recordsRejected"`
	OutputRecords   int64 `json:"outputRecords"`
	// RateLimit is the backpressure rate (records/s) the batch was planned
	// with; 0 means none.
	RateLimit float64 `json:"rateLimit"`
	// ConsumerLag is how many records were left in Kafka after the
	// batch's ranges.
	ConsumerLag int64 `json:"consumerLag"`
	// Replayed is set for a batch run again from its offsets after a
	// restart.
	Replayed bool `json:"replayed"`
	// Stages is the time each stage took, in the order they ran.
	Stages []StageTimeJSON `json:"stages"`
	// Partitions is each partition's range.
	Partitions []PartitionProgressJSON `json:"partitions"`
	// OutOfRange lists partitions whose next offsets Kafka no longer held.
	OutOfRange []OutOfRangeJSON `json:"outOfRange"`
}

// StageTimeJSON is the time one stage of a batch took: wall time for the
// driver's stages (plan, offsets, state, commit), summed over tasks for
// the tasks' (read, process, write).
type StageTimeJSON struct {
	Stage string `json:"stage"`
	// Duration is in milliseconds, to the microsecond.
	Duration float64 `json:"duration"`
}

// PartitionProgressJSON is one partition's range in a batch, named as
// Spark's Kafka OffsetRange. LatestOffset (the broker's next offset when
// the batch was planned) and Lag (records left after the range) are left
// out when unknown, as for a replayed batch.
type PartitionProgressJSON struct {
	Topic        string `json:"topic"`
	Partition    int32  `json:"partition"`
	FromOffset   int64  `json:"fromOffset"`
	UntilOffset  int64  `json:"untilOffset"`
	LatestOffset *int64 `json:"latestOffset,omitempty"`
	Lag          *int64 `json:"lag,omitempty"`
}

// OutOfRangeJSON is a partition whose next offset Kafka no longer held
// (retention deleted it) or did not hold yet: reading resumed at ResetTo
// and Lost offsets were skipped.
type OutOfRangeJSON struct {
	Topic          string `json:"topic"`
	Partition      int32  `json:"partition"`
	Offset         int64  `json:"offset"`
	EarliestOffset int64  `json:"earliestOffset"`
	LatestOffset   int64  `json:"latestOffset"`
	ResetTo        int64  `json:"resetTo"`
	Lost           int64  `json:"lost"`
}

// streamingStats serves the batches a streamingui.Listener keeps, as
// Spark's REST API shapes them. It adds nothing to the listener: the
// Streaming tab and the REST API show the same batches.
type streamingStats struct {
	started       time.Time
	batchDuration time.Duration
	limit         int
	l             *streamingui.Listener
}

func newStreamingStats(limit int, batchDuration time.Duration, started time.Time) *streamingStats {
	l := streamingui.NewListener(streamingui.AppInfo{Started: started, BatchDuration: batchDuration}, limit)
	return &streamingStats{started: started, batchDuration: batchDuration, limit: l.Limit(), l: l}
}

// add records a completed batch.
func (s *streamingStats) add(b driver.BatchInfo) { s.l.OnBatchCompleted(b) }

// batches returns the retained batches, newest (highest batch id) first;
// of two with one id (a batch replayed), the later run first.
func (s *streamingStats) batches() []StreamingBatch {
	return s.toJSON(s.l.Batches())
}

func (s *streamingStats) toJSON(bs []driver.BatchInfo) []StreamingBatch {
	out := make([]StreamingBatch, len(bs))
	for i, b := range bs {
		out[i] = s.batchJSON(b)
	}
	return out
}

// batch returns the retained batch with the id.
func (s *streamingStats) batch(id int64) (StreamingBatch, bool) {
	b, ok := s.l.Batch(id)
	if !ok {
		return StreamingBatch{}, false
	}
	return s.batchJSON(b), true
}

// statistics computes Spark's StreamingStatistics: the input rate of a
// batch is its records over the batch duration, and the time averages are
// whole milliseconds, truncated as Spark's are.
func (s *streamingStats) statistics() StreamingStatistics {
	completed, records := s.l.Totals()
	retained := s.toJSON(s.l.Batches())
	st := StreamingStatistics{
		StartTime:                   SparkTime(s.started),
		BatchDuration:               s.batchDuration.Milliseconds(),
		NumTotalCompletedBatches:    completed,
		NumRetainedCompletedBatches: int64(len(retained)),
		NumProcessedRecords:         records,
		NumReceivedRecords:          records,
	}
	n := int64(len(retained))
	if n == 0 {
		return st
	}
	var rate float64
	var sched, proc, total int64
	for _, b := range retained {
		if st.BatchDuration > 0 {
			rate += float64(b.InputSize) * 1000 / float64(st.BatchDuration)
		}
		sched += b.SchedulingDelay
		proc += b.ProcessingTime
		total += b.TotalDelay
	}
	rate /= float64(n)
	sched, proc, total = sched/n, proc/n, total/n
	st.AvgInputRate, st.AvgSchedulingDelay, st.AvgProcessingTime, st.AvgTotalDelay = &rate, &sched, &proc, &total
	return st
}

// batchJSON converts a completed batch to the REST API's shape.
func (s *streamingStats) batchJSON(b driver.BatchInfo) StreamingBatch {
	out := StreamingBatch{
		BatchID:         b.Time.UnixMilli(),
		BatchTime:       SparkTime(b.Time),
		Status:          BatchStatusCompleted,
		BatchDuration:   s.batchDuration.Milliseconds(),
		InputSize:       b.Records,
		SchedulingDelay: b.SchedulingDelay.Milliseconds(),
		ProcessingTime:  b.ProcessingDelay.Milliseconds(),
		// Spark adds the two whole-ms delays, so the three agree.
		TotalDelay:            b.SchedulingDelay.Milliseconds() + b.ProcessingDelay.Milliseconds(),
		NumCompletedOutputOps: 1,
		NumTotalOutputOps:     1,
		RecordsRejected:       b.Rejected,
		OutputRecords:         b.Outputs,
		RateLimit:             b.RateLimit,
		ConsumerLag:           b.Lag,
		Replayed:              b.Replayed,
		Stages:                make([]StageTimeJSON, 0, len(b.Stages)),
		Partitions:            make([]PartitionProgressJSON, 0, len(b.Partitions)),
		OutOfRange:            make([]OutOfRangeJSON, 0, len(b.OutOfRange)),
	}
	if !b.Started.IsZero() {
		t := SparkTime(b.Started)
		out.ProcessingStartTime = &t
	}
	if !b.Finished.IsZero() {
		t := SparkTime(b.Finished)
		out.ProcessingEndTime = &t
	}
	for _, st := range b.Stages {
		out.Stages = append(out.Stages, StageTimeJSON{Stage: st.Stage, Duration: millis(st.Duration)})
	}
	for _, p := range b.Partitions {
		pj := PartitionProgressJSON{Topic: p.Topic, Partition: p.Partition, FromOffset: p.From, UntilOffset: p.Until}
		if p.Latest >= 0 {
			latest, lag := p.Latest, p.Lag()
			pj.LatestOffset, pj.Lag = &latest, &lag
		}
		out.Partitions = append(out.Partitions, pj)
	}
	for _, ev := range b.OutOfRange {
		out.OutOfRange = append(out.OutOfRange, OutOfRangeJSON{
			Topic: ev.Topic, Partition: ev.Partition, Offset: ev.Offset, EarliestOffset: ev.Earliest,
			LatestOffset: ev.Latest, ResetTo: ev.ResetTo, Lost: ev.Lost,
		})
	}
	return out
}

// parseBatchStatuses reads ?status= values as Spark does (any case,
// repeatable); none means every status.
func parseBatchStatuses(values []string) (map[string]bool, error) {
	want := map[string]bool{}
	if len(values) == 0 {
		for _, s := range batchStatuses {
			want[s] = true
		}
		return want, nil
	}
	for _, v := range values {
		s := strings.ToUpper(strings.TrimSpace(v))
		if !slices.Contains(batchStatuses, s) {
			return nil, fmt.Errorf("unknown batch status %q: use %s, %s or %s (any case; repeat status= for more than one)", v, BatchStatusCompleted, BatchStatusQueued, BatchStatusProcessing)
		}
		want[s] = true
	}
	return want, nil
}
