package appmaster

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/streaming/kafkasource"
)

const testAttempt = "appattempt_1700000000000_0007_000002"

func TestMetricsOnBatch(t *testing.T) {
	m := NewMetrics(MetricsConfig{AttemptID: testAttempt, AppName: "retail.demo"})
	t0 := time.UnixMilli(1_700_000_000_000)
	m.OnBatch(driver.BatchInfo{Time: t0, Records: 100, ProcessingDelay: 40 * time.Millisecond, SchedulingDelay: 2 * time.Millisecond, RateLimit: 500, Lag: 7})
	m.OnBatch(driver.BatchInfo{Time: t0.Add(500 * time.Millisecond), Records: 300, ProcessingDelay: 80 * time.Millisecond, SchedulingDelay: 4 * time.Millisecond, RateLimit: 800, Lag: 3})

	s := m.Snapshot()
	prefix := "application_1700000000000_0007.driver.retail_demo.StreamingMetrics.streaming."
	for name, want := range map[string]float64{
		"totalCompletedBatches":              2,
		"totalProcessedRecords":              400,
		"lastCompletedBatch_records":         300,
		"lastCompletedBatch_processingDelay": 80,
		"lastCompletedBatch_schedulingDelay": 4,
		"lastCompletedBatch_totalDelay":      84,
		"inputRate":                          600, // 300 records in a 500 ms interval
		"rateLimit":                          800,
		"consumerLag":                        3,
		"receivers":                          0,
		"totalReceivedRecords":               400,
		"unprocessedBatches":                 0,
		"retainedCompletedBatches":           2,
		"lastReceivedBatch_records":          300,
		"lastCompletedBatch_submissionTime":  1_700_000_000_500,
		"lastReceivedBatch_submissionTime":   1_700_000_000_500,
		// The batches give no start or end: unknown, as Spark's -1.
		"lastCompletedBatch_processingStartTime": -1,
		"lastReceivedBatch_processingEndTime":    -1,
	} {
		g, ok := s.Gauges[prefix+name]
		if !ok {
			t.Errorf("no gauge %s%s; have %v", prefix, name, keys(s.Gauges))
			continue
		}
		if g.Value != want {
			t.Errorf("gauge %s = %v, want %v", name, g.Value, want)
		}
	}
	h := s.Histograms[prefix+"batchProcessingTime"]
	if h.Count != 2 || h.Min != 40 || h.Max != 80 || h.Mean != 60 {
		t.Errorf("processing histogram %+v, want count 2, min 40, max 80, mean 60", h)
	}
	if g := s.Gauges["application_1700000000000_0007.applicationMaster.attemptNumber"]; g.Value != 2 {
		t.Errorf("attemptNumber %v, want 2", g.Value)
	}
}

func TestMetricsJSONBeforeAndAfterABatch(t *testing.T) {
	m := NewMetrics(MetricsConfig{AttemptID: testAttempt})
	before := m.Snapshot()
	b := fullBatch()
	m.OnBatch(b)
	after := m.Snapshot()
	tests := []struct {
		name          string
		before, after float64
	}{
		// Spark's streaming source reports -1 until a batch completes.
		{"lastCompletedBatch_processingDelay", -1, 250.4},
		{"lastCompletedBatch_schedulingDelay", -1, 3},
		{"lastCompletedBatch_totalDelay", -1, 253.4},
		{"lastCompletedBatch_submissionTime", -1, float64(b.Time.UnixMilli())},
		{"lastCompletedBatch_processingStartTime", -1, float64(b.Started.UnixMilli())},
		{"lastCompletedBatch_processingEndTime", -1, float64(b.Finished.UnixMilli())},
		{"lastReceivedBatch_processingStartTime", -1, float64(b.Started.UnixMilli())},
		{"lastReceivedBatch_records", 0, 120},
		{"totalCompletedBatches", 0, 1},
		{"totalProcessedRecords", 0, 120},
		{"retainedCompletedBatches", 0, 1},
		{"waitingBatches", 0, 0},
		{"runningBatches", 0, 0},
	}
	for _, tt := range tests {
		name := m.streamingName(tt.name)
		gb, okb := before.Gauges[name]
		ga, oka := after.Gauges[name]
		if !okb || !oka {
			t.Errorf("no gauge %s", name)
			continue
		}
		if gb.Value != tt.before || ga.Value != tt.after {
			t.Errorf("%s = %v before a batch and %v after, want %v and %v", tt.name, gb.Value, ga.Value, tt.before, tt.after)
		}
	}
}

// series is one sample of a gathered metric.
type series struct {
	value      float64 // a gauge's or counter's
	count, sum float64 // a histogram's
}

// gather returns the registry's samples by name and labels, as
// name{k="v",…} with the labels sorted.
func gather(t *testing.T, m *Metrics) map[string]series {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]series{}
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			var labels []string
			hasApp := false
			for _, l := range mt.GetLabel() {
				// Every series carries the application's id; the keys
				// leave it out.
				if l.GetName() == ApplicationIDLabel {
					hasApp = l.GetValue() == m.appID
					continue
				}
				labels = append(labels, l.GetName()+"="+strconv.Quote(l.GetValue()))
			}
			if !hasApp {
				t.Errorf("series %s has no %s=%q label", mf.GetName(), ApplicationIDLabel, m.appID)
			}
			key := mf.GetName()
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			out[key] = series{
				value: mt.GetGauge().GetValue() + mt.GetCounter().GetValue(),
				count: float64(mt.GetHistogram().GetSampleCount()),
				sum:   mt.GetHistogram().GetSampleSum(),
			}
		}
	}
	return out
}

func TestMetricsPrometheusBatchSeries(t *testing.T) {
	m := NewMetrics(MetricsConfig{AttemptID: testAttempt})
	m.OnBatch(fullBatch())
	second := fullBatch()
	second.Time = t0.Add(time.Second)
	second.SchedulingDelay, second.ProcessingDelay = 10*time.Millisecond, 500*time.Millisecond
	second.Stages = []driver.StageTime{{Stage: driver.StagePlan, Duration: 2500 * time.Microsecond}}
	// Partition 0's lag drops to 4; partition 1 is still unknown; 3 is new.
	second.Partitions = []driver.PartitionProgress{
		{Topic: "orders", Partition: 0, From: 70, Until: 96, Latest: 100},
		{Topic: "orders", Partition: 1, From: 65, Until: 80, Latest: -1},
		{Topic: "orders", Partition: 3, From: 0, Until: 10, Latest: 10},
	}
	second.OutOfRange = []kafkasource.OutOfRangeEvent{
		{Topic: "orders", Partition: 2, Offset: 50, Earliest: 60, Latest: 95, ResetTo: 60, Lost: 10},
		// Past the end: reset back, nothing lost.
		{Topic: "payments", Partition: 0, Offset: 500, Earliest: 0, Latest: 20, ResetTo: 20},
	}
	m.OnBatch(second)

	got := gather(t, m)
	tests := []struct {
		key  string
		want series
	}{
		{`spindle_am_batch_stage_seconds{stage="plan"}`, series{count: 2, sum: 0.004}},
		{`spindle_am_batch_stage_seconds{stage="read"}`, series{count: 1, sum: 0.10025}},
		{`spindle_am_batch_stage_seconds{stage="commit"}`, series{count: 1, sum: 0.004}},
		{`spindle_am_batch_total_delay_seconds`, series{count: 2, sum: 0.2534 + 0.51}},
		{`spindle_am_kafka_consumer_lag_records{partition="0",topic="orders"}`, series{value: 4}},
		{`spindle_am_kafka_consumer_lag_records{partition="3",topic="orders"}`, series{value: 0}},
		{`spindle_am_kafka_offsets_out_of_range_total{partition="2",topic="orders"}`, series{value: 2}},
		{`spindle_am_kafka_records_lost_total{partition="2",topic="orders"}`, series{value: 47}},
		{`spindle_am_kafka_offsets_out_of_range_total{partition="0",topic="payments"}`, series{value: 1}},
		{`spindle_am_kafka_records_lost_total{partition="0",topic="payments"}`, series{value: 0}},
		{`spindle_am_batches_completed_total`, series{value: 2}},
		{`spindle_am_records_processed_total`, series{value: 240}},
	}
	const eps = 1e-9
	for _, tt := range tests {
		s, ok := got[tt.key]
		if !ok {
			t.Errorf("no series %s", tt.key)
			continue
		}
		if math.Abs(s.value-tt.want.value) > eps || s.count != tt.want.count || math.Abs(s.sum-tt.want.sum) > eps {
			t.Errorf("%s = %+v, want %+v", tt.key, s, tt.want)
		}
	}
	if s, ok := got[`spindle_am_kafka_consumer_lag_records{partition="1",topic="orders"}`]; ok {
		t.Errorf("partition 1's lag was never known, yet it has a series: %+v", s)
	}

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	body := get(t, srv.URL+MetricsPath)
	for _, want := range []string{
		`spindle_am_kafka_consumer_lag_records{application_id="application_1700000000000_0007",partition="0",topic="orders"} 4`,
		`spindle_am_kafka_records_lost_total{application_id="application_1700000000000_0007",partition="2",topic="orders"} 47`,
		`spindle_am_batch_stage_seconds_count{application_id="application_1700000000000_0007",stage="plan"} 2`,
		`spindle_am_batch_total_delay_seconds_count{application_id="application_1700000000000_0007"} 2`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestMetricsOnLag(t *testing.T) {
	m := NewMetrics(MetricsConfig{AttemptID: testAttempt})
	rounds := [][]driver.LagSample{
		{
			{Topic: "orders", Partition: 0, Records: 10, OldestAge: 1500 * time.Millisecond},
			{Topic: "orders", Partition: 1, Records: 900, OldestAge: 40 * time.Second, OverRecords: true, OverAge: true},
		},
		{
			{Topic: "orders", Partition: 0, Records: 5000, OldestAge: 2 * time.Second, OverRecords: true},
			{Topic: "orders", Partition: 1, Records: 950, OldestAge: 45 * time.Second, OverAge: true},
			// A clock running behind must not give a negative age.
			{Topic: "payments", Partition: 7, OldestAge: -time.Second},
		},
		nil,
	}
	for _, r := range rounds {
		m.OnLag(r)
	}
	got := gather(t, m)
	tests := []struct {
		key  string
		want float64
	}{
		{`spindle_am_kafka_consumer_lag_records{partition="0",topic="orders"}`, 5000},
		{`spindle_am_kafka_consumer_lag_records{partition="1",topic="orders"}`, 950},
		{`spindle_am_consumer_lag_records`, 5950},
		{`spindle_am_kafka_consumer_lag_oldest_seconds{partition="0",topic="orders"}`, 2},
		{`spindle_am_kafka_consumer_lag_oldest_seconds{partition="1",topic="orders"}`, 45},
		{`spindle_am_kafka_consumer_lag_oldest_seconds{partition="7",topic="payments"}`, 0},
		{`spindle_am_kafka_lag_warnings_total{kind="records",partition="0",topic="orders"}`, 1},
		{`spindle_am_kafka_lag_warnings_total{kind="records",partition="1",topic="orders"}`, 1},
		{`spindle_am_kafka_lag_warnings_total{kind="age",partition="1",topic="orders"}`, 2},
	}
	for _, tt := range tests {
		if s, ok := got[tt.key]; !ok || s.value != tt.want {
			t.Errorf("%s = %v (present %v), want %v", tt.key, s.value, ok, tt.want)
		}
	}
	for _, absent := range []string{
		`spindle_am_kafka_lag_warnings_total{kind="age",partition="0",topic="orders"}`,
		`spindle_am_kafka_lag_warnings_total{kind="records",partition="7",topic="payments"}`,
	} {
		if _, ok := got[absent]; ok {
			t.Errorf("%s counted, but no sample was over that threshold", absent)
		}
	}
}

func TestMetricsReplayedBatchKeepsInputRate(t *testing.T) {
	m := NewMetrics(MetricsConfig{AttemptID: testAttempt})
	t0 := time.UnixMilli(1_700_000_000_000)
	m.OnBatch(driver.BatchInfo{Time: t0, Records: 10})
	m.OnBatch(driver.BatchInfo{Time: t0.Add(time.Second), Records: 50})
	// A batch with an older time (a replay) must not give a negative or
	// infinite rate.
	m.OnBatch(driver.BatchInfo{Time: t0, Records: 10, Replayed: true})
	if g := m.Snapshot().Gauges[m.streamingName("inputRate")]; g.Value != 50 {
		t.Fatalf("inputRate %v after a replayed batch, want 50 (the last in-order batch's)", g.Value)
	}
}

func TestRecordAllocationCountsAsHandleDoes(t *testing.T) {
	now := time.Now()
	am := testAM(10, 30*time.Second, now.Add(-time.Minute), "c1", "c2", "c3", "c4", "c5")
	am.metrics = NewMetrics(MetricsConfig{AttemptID: testAttempt})
	am.cfg.NumExecutors = 6
	am.cfg.ExecutorCommand = []string{"true"}
	// c1..c4 registered; c5 did not and is past the launch timeout.
	for _, id := range []string{"1", "2", "3", "4"} {
		am.endpoint.RegisterExecutor(nil, &pb.RegisterExecutorRequest{ExecutorId: id})
	}
	am.released["c4"] = true
	resp := &pb.AllocateResponse{
		CompletedContainerStatuses: []*pb.ContainerStatus{
			{ContainerId: "c1", ExitStatus: -104, Diagnostics: "memory"}, // memory kill: failure
			{ContainerId: "c2", ExitStatus: 0},                           // clean exit
			{ContainerId: "c3", ExitStatus: 137},                         // failure
			{ContainerId: "c4", ExitStatus: -100},                        // released by the AM
			{ContainerId: "other", ExitStatus: 1},                        // not an executor
		},
	}
	mark := am.markAllocation()
	if err := am.handle(resp); err != nil {
		t.Fatal(err)
	}
	am.recordAllocation(resp, mark)
	s := am.metrics.Snapshot()
	for name, want := range map[string]int64{"numContainersFailed": 2, "numContainersKilledForMemory": 1, "numContainersAllocated": 0} {
		if got := s.Counters[am.metrics.amName(name)].Count; got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	// c1, c3 failed and c5 was released for not registering.
	if got := s.Gauges[am.metrics.amName("numExecutorsFailed")].Value; got != 3 {
		t.Errorf("numExecutorsFailed = %v, want 3", got)
	}
	if got := s.Gauges[am.metrics.amName("numExecutorsRunning")].Value; got != 0 {
		t.Errorf("numExecutorsRunning = %v, want 0", got)
	}
}

func TestRecordAllocationCountsAllocatedContainers(t *testing.T) {
	tests := []struct {
		name         string
		numExecutors int
		wantFailures float64
	}{
		// Containers beyond the executors wanted are released unlaunched.
		{"surplus released", 0, 0},
		// Launches on an NM that refuses connections fail and count.
		{"launches fail", 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			am := testAM(10, time.Hour, time.Now())
			am.metrics = NewMetrics(MetricsConfig{AttemptID: testAttempt})
			am.cfg.NumExecutors = tt.numExecutors
			am.cfg.ExecutorCommand = []string{"true"}
			am.nms = map[string]pb.ContainerManagementClient{}
			resp := &pb.AllocateResponse{AllocatedContainers: []*pb.Container{
				{Id: "c7", NodeAddress: "127.0.0.1:1"},
				{Id: "c8", NodeAddress: "127.0.0.1:1"},
			}}
			mark := am.markAllocation()
			err := am.handle(resp)
			am.recordAllocation(resp, mark)
			if err != nil {
				t.Fatal(err)
			}
			s := am.metrics.Snapshot()
			if got := s.Counters[am.metrics.amName("numContainersAllocated")].Count; got != 2 {
				t.Errorf("numContainersAllocated = %d, want 2", got)
			}
			if got := s.Gauges[am.metrics.amName("numExecutorsFailed")].Value; got != tt.wantFailures {
				t.Errorf("numExecutorsFailed = %v, want %v", got, tt.wantFailures)
			}
			if got := s.Gauges[am.metrics.amName("numExecutorsRunning")].Value; got != 0 {
				t.Errorf("numExecutorsRunning = %v, want 0", got)
			}
		})
	}
}

func TestMetricsHandler(t *testing.T) {
	m := NewMetrics(MetricsConfig{AttemptID: testAttempt, AppName: "demo"})
	m.OnBatch(driver.BatchInfo{Time: time.Now(), Records: 42, ProcessingDelay: time.Second, RateLimit: 1000, Lag: 5})
	m.record(containerEvents{allocated: 3, failed: 1, memoryKills: 1, executorFailures: 1, running: 2})
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	body := get(t, srv.URL+MetricsPath)
	for _, want := range []string{
		"spindle_am_containers_allocated_total{application_id=\"application_1700000000000_0007\"} 3",
		"spindle_am_containers_failed_total{application_id=\"application_1700000000000_0007\"} 1",
		"spindle_am_containers_killed_memory_total{application_id=\"application_1700000000000_0007\"} 1",
		"spindle_am_executor_failures_total{application_id=\"application_1700000000000_0007\"} 1",
		"spindle_am_executors_running{application_id=\"application_1700000000000_0007\"} 2",
		"spindle_am_attempt{application_id=\"application_1700000000000_0007\"} 2",
		"spindle_am_last_batch_records{application_id=\"application_1700000000000_0007\"} 42",
		"spindle_am_last_batch_processing_seconds{application_id=\"application_1700000000000_0007\"} 1",
		"spindle_am_rate_limit_records_per_second{application_id=\"application_1700000000000_0007\"} 1000",
		"spindle_am_consumer_lag_records{application_id=\"application_1700000000000_0007\"} 5",
		"spindle_am_batch_processing_seconds_count{application_id=\"application_1700000000000_0007\"} 1",
		"spindle_am_batch_scheduling_delay_seconds_count{application_id=\"application_1700000000000_0007\"} 1",
		"spindle_am_input_rate_records_per_second{application_id=\"application_1700000000000_0007\"} 0",
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}

	var doc map[string]map[string]map[string]any
	raw := get(t, srv.URL+MetricsJSONPath)
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &top); err != nil {
		t.Fatalf("/metrics/json is not JSON: %v\n%s", err, raw)
	}
	for _, k := range []string{"version", "gauges", "counters", "histograms", "meters", "timers"} {
		if _, ok := top[k]; !ok {
			t.Errorf("/metrics/json lacks %q: %s", k, raw)
		}
	}
	delete(top, "version")
	rest, _ := json.Marshal(top)
	if err := json.Unmarshal(rest, &doc); err != nil {
		t.Fatal(err)
	}
	if v := doc["gauges"]["application_1700000000000_0007.applicationMaster.numExecutorsRunning"]["value"]; v != 2.0 {
		t.Errorf("numExecutorsRunning gauge %v, want {\"value\": 2}", doc["gauges"]["application_1700000000000_0007.applicationMaster.numExecutorsRunning"])
	}
	if v := doc["counters"]["application_1700000000000_0007.applicationMaster.numContainersAllocated"]["count"]; v != 3.0 {
		t.Errorf("numContainersAllocated counter %v, want {\"count\": 3}", v)
	}
	if v := doc["histograms"]["application_1700000000000_0007.driver.demo.StreamingMetrics.streaming.batchProcessingTime"]["p50"]; v != 1000.0 {
		t.Errorf("processing time p50 %v ms, want 1000", v)
	}
	idx := get(t, srv.URL+IndexPath)
	for _, p := range []string{MetricsJSONPath, StreamingAPIPath + "/statistics", StreamingAPIPath + "/batches/{batchId}", "/api/v1/applications/application_1700000000000_0007/streaming/batches"} {
		if !strings.Contains(idx, p) {
			t.Errorf("index does not list %s:\n%s", p, idx)
		}
	}
}

func TestNilMetricsIsSafe(t *testing.T) {
	var m *Metrics
	m.OnBatch(fullBatch())
	m.OnLag([]driver.LagSample{{Topic: "orders", OverRecords: true}})
	m.record(containerEvents{allocated: 1})
	if m.Registry() != nil {
		t.Fatal("nil metrics have a registry")
	}
	if s := m.Snapshot(); len(s.Gauges) != 0 || s.Version == "" {
		t.Fatalf("nil metrics snapshot %+v", s)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	get(t, srv.URL+MetricsJSONPath)
	if b := get(t, srv.URL+StreamingAPIPath+"/batches"); strings.TrimSpace(b) != "[]" {
		t.Fatalf("nil metrics list batches %s, want []", b)
	}
	if s := get(t, srv.URL+StreamingAPIPath+"/statistics"); !strings.Contains(s, `"numTotalCompletedBatches": 0`) {
		t.Fatalf("nil metrics statistics %s", s)
	}
}

func TestWindowQuantiles(t *testing.T) {
	tests := []struct {
		name    string
		cap     int
		samples []float64
		want    HistogramJSON
	}{
		{"empty", 4, nil, HistogramJSON{}},
		{"one", 4, []float64{5}, HistogramJSON{Count: 1, Min: 5, Max: 5, Mean: 5, P50: 5, P75: 5, P95: 5, P98: 5, P99: 5, P999: 5}},
		{"keeps the last cap samples", 3, []float64{100, 1, 2, 3}, HistogramJSON{Count: 4, Min: 1, Max: 3, Mean: 2, Stddev: 1, P50: 2, P75: 3, P95: 3, P98: 3, P99: 3, P999: 3}},
		{"interpolates", 10, []float64{1, 2, 3, 4}, HistogramJSON{Count: 4, Min: 1, Max: 4, Mean: 2.5, P50: 2.5, P75: 3.75, P95: 4, P98: 4, P99: 4, P999: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWindow(tt.cap)
			for _, s := range tt.samples {
				w.add(s)
			}
			got := w.summary()
			if tt.want.Stddev == 0 {
				got.Stddev = 0
			}
			if got != tt.want {
				t.Fatalf("summary %+v, want %+v", got, tt.want)
			}
		})
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, raw)
	}
	return string(raw)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
