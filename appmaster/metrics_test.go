package appmaster

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/driver"
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
		"spindle_am_containers_allocated_total 3",
		"spindle_am_containers_failed_total 1",
		"spindle_am_containers_killed_memory_total 1",
		"spindle_am_executor_failures_total 1",
		"spindle_am_executors_running 2",
		"spindle_am_attempt 2",
		"spindle_am_last_batch_records 42",
		"spindle_am_last_batch_processing_seconds 1",
		"spindle_am_rate_limit_records_per_second 1000",
		"spindle_am_consumer_lag_records 5",
		"spindle_am_batch_processing_seconds_count 1",
		"spindle_am_batch_scheduling_delay_seconds_count 1",
		"spindle_am_input_rate_records_per_second 0",
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
	if idx := get(t, srv.URL+"/"); !strings.Contains(idx, MetricsJSONPath) {
		t.Errorf("index does not list %s:\n%s", MetricsJSONPath, idx)
	}
}

func TestNilMetricsIsSafe(t *testing.T) {
	var m *Metrics
	m.OnBatch(driver.BatchInfo{Records: 1})
	m.record(containerEvents{allocated: 1})
	if s := m.Snapshot(); len(s.Gauges) != 0 || s.Version == "" {
		t.Fatalf("nil metrics snapshot %+v", s)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	get(t, srv.URL+MetricsJSONPath)
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
