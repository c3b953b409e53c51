package appmaster

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/streaming/kafkasource"
)

// t0 is 2023-11-14T22:13:20.000 UTC.
var t0 = time.UnixMilli(1_700_000_000_000)

const testAppID = "application_1700000000000_0007"

// fullBatch has every field the REST API reports.
func fullBatch() driver.BatchInfo {
	return driver.BatchInfo{
		Time: t0, Started: t0.Add(3 * time.Millisecond), Finished: t0.Add(253*time.Millisecond + 400*time.Microsecond),
		Records: 120, Rejected: 2, Outputs: 118,
		SchedulingDelay: 3 * time.Millisecond, ProcessingDelay: 250*time.Millisecond + 400*time.Microsecond,
		RateLimit: 500, Lag: 30,
		Stages: []driver.StageTime{
			{Stage: driver.StagePlan, Duration: 1500 * time.Microsecond},
			{Stage: driver.StageRead, Duration: 100250 * time.Microsecond},
			{Stage: driver.StageCommit, Duration: 4 * time.Millisecond},
		},
		Partitions: []driver.PartitionProgress{
			{Topic: "orders", Partition: 0, From: 10, Until: 70, Latest: 100},
			{Topic: "orders", Partition: 1, From: 5, Until: 65, Latest: -1},
		},
		OutOfRange: []kafkasource.OutOfRangeEvent{
			{Topic: "orders", Partition: 2, Offset: 3, Earliest: 40, Latest: 90, ResetTo: 40, Lost: 37},
		},
	}
}

func TestStreamingBatchJSON(t *testing.T) {
	tests := []struct {
		name  string
		batch driver.BatchInfo
		want  string
	}{
		{"every field", fullBatch(), `{
			"batchId": 1700000000000, "batchTime": "2023-11-14T22:13:20.000GMT", "status": "COMPLETED",
			"batchDuration": 500, "inputSize": 120, "schedulingDelay": 3, "processingTime": 250, "totalDelay": 253,
			"numActiveOutputOps": 0, "numCompletedOutputOps": 1, "numFailedOutputOps": 0, "numTotalOutputOps": 1,
			"processingStartTime": "2023-11-14T22:13:20.003GMT", "processingEndTime": "2023-11-14T22:13:20.253GMT",
			"recordsRejected": 2, "outputRecords": 118, "rateLimit": 500, "consumerLag": 30, "replayed": false,
			"stages": [{"stage": "plan", "duration": 1.5}, {"stage": "read", "duration": 100.25}, {"stage": "commit", "duration": 4}],
			"partitions": [
				{"topic": "orders", "partition": 0, "fromOffset": 10, "untilOffset": 70, "latestOffset": 100, "lag": 30},
				{"topic": "orders", "partition": 1, "fromOffset": 5, "untilOffset": 65}
			],
			"outOfRange": [{"topic": "orders", "partition": 2, "offset": 3, "earliestOffset": 40, "latestOffset": 90, "resetTo": 40, "lost": 37}]
		}`},
		{"replayed, nothing known", driver.BatchInfo{Time: t0.Add(time.Second), Replayed: true}, `{
			"batchId": 1700000001000, "batchTime": "2023-11-14T22:13:21.000GMT", "status": "COMPLETED",
			"batchDuration": 500, "inputSize": 0, "schedulingDelay": 0, "processingTime": 0, "totalDelay": 0,
			"numActiveOutputOps": 0, "numCompletedOutputOps": 1, "numFailedOutputOps": 0, "numTotalOutputOps": 1,
			"recordsRejected": 0, "outputRecords": 0, "rateLimit": 0, "consumerLag": 0, "replayed": true,
			"stages": [], "partitions": [], "outOfRange": []
		}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStreamingStats(10, 500*time.Millisecond, t0)
			s.add(tt.batch)
			got, err := json.Marshal(s.batches()[0])
			if err != nil {
				t.Fatal(err)
			}
			assertJSONEqual(t, string(got), tt.want)
		})
	}
}

func TestStreamingStatisticsJSON(t *testing.T) {
	start := t0.Add(-time.Minute)
	tests := []struct {
		name    string
		limit   int
		batches []driver.BatchInfo
		want    string
	}{
		{"no batches: averages left out", 10, nil, `{
			"startTime": "2023-11-14T22:12:20.000GMT", "batchDuration": 500,
			"numReceivers": 0, "numActiveReceivers": 0, "numInactiveReceivers": 0,
			"numTotalCompletedBatches": 0, "numRetainedCompletedBatches": 0, "numActiveBatches": 0,
			"numProcessedRecords": 0, "numReceivedRecords": 0
		}`},
		// Rates: 100 and 301 records over 500 ms are 200/s and 602/s,
		// averaging 401/s. Delays average in whole ms, truncated:
		// (2+3)/2 = 2, (40+81)/2 = 60, (42+84)/2 = 63.
		{"averages", 10, []driver.BatchInfo{
			{Time: t0, Records: 100, SchedulingDelay: 2 * time.Millisecond, ProcessingDelay: 40 * time.Millisecond},
			{Time: t0.Add(500 * time.Millisecond), Records: 301, SchedulingDelay: 3 * time.Millisecond, ProcessingDelay: 81 * time.Millisecond},
		}, `{
			"startTime": "2023-11-14T22:12:20.000GMT", "batchDuration": 500,
			"numReceivers": 0, "numActiveReceivers": 0, "numInactiveReceivers": 0,
			"numTotalCompletedBatches": 2, "numRetainedCompletedBatches": 2, "numActiveBatches": 0,
			"numProcessedRecords": 401, "numReceivedRecords": 401,
			"avgInputRate": 401, "avgSchedulingDelay": 2, "avgProcessingTime": 60, "avgTotalDelay": 63
		}`},
		// Totals count every batch; averages only the retained two:
		// 50 and 150 records are 100/s and 300/s.
		{"averages over retained batches only", 2, []driver.BatchInfo{
			{Time: t0, Records: 1000, SchedulingDelay: time.Second, ProcessingDelay: time.Second},
			{Time: t0.Add(500 * time.Millisecond), Records: 50, SchedulingDelay: 10 * time.Millisecond, ProcessingDelay: 20 * time.Millisecond},
			{Time: t0.Add(time.Second), Records: 150, SchedulingDelay: 20 * time.Millisecond, ProcessingDelay: 40 * time.Millisecond},
		}, `{
			"startTime": "2023-11-14T22:12:20.000GMT", "batchDuration": 500,
			"numReceivers": 0, "numActiveReceivers": 0, "numInactiveReceivers": 0,
			"numTotalCompletedBatches": 3, "numRetainedCompletedBatches": 2, "numActiveBatches": 0,
			"numProcessedRecords": 1200, "numReceivedRecords": 1200,
			"avgInputRate": 200, "avgSchedulingDelay": 15, "avgProcessingTime": 30, "avgTotalDelay": 45
		}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStreamingStats(tt.limit, 500*time.Millisecond, start)
			for _, b := range tt.batches {
				s.add(b)
			}
			got, err := json.Marshal(s.statistics())
			if err != nil {
				t.Fatal(err)
			}
			assertJSONEqual(t, string(got), tt.want)
		})
	}
}

func TestStreamingStatsRetention(t *testing.T) {
	for _, n := range []int{1, 3, 10} {
		t.Run(fmt.Sprintf("keep %d", n), func(t *testing.T) {
			s := newStreamingStats(n, time.Second, t0)
			var records int64
			for i := range n + 5 {
				s.add(driver.BatchInfo{Time: t0.Add(time.Duration(i) * time.Second), Records: int64(i + 1)})
				records += int64(i + 1)
			}
			got := s.batches()
			if len(got) != n {
				t.Fatalf("%d batches retained, want %d", len(got), n)
			}
			for i, b := range got {
				// Newest first: the last batch added is n+4 seconds in.
				want := t0.Add(time.Duration(n+4-i) * time.Second).UnixMilli()
				if b.BatchID != want {
					t.Errorf("batch %d has id %d, want %d", i, b.BatchID, want)
				}
			}
			st := s.statistics()
			if st.NumTotalCompletedBatches != int64(n+5) || st.NumRetainedCompletedBatches != int64(n) || st.NumProcessedRecords != records {
				t.Errorf("statistics %+v: want %d completed, %d retained, %d records", st, n+5, n, records)
			}
			if _, ok := s.batch(t0.UnixMilli()); ok {
				t.Errorf("the first batch is still found after %d more", n+4)
			}
		})
	}
}

func TestStreamingStatsReplayedBatchOrder(t *testing.T) {
	s := newStreamingStats(3, time.Second, t0)
	s.add(driver.BatchInfo{Time: t0, Records: 1})
	s.add(driver.BatchInfo{Time: t0.Add(time.Second), Records: 2})
	s.add(driver.BatchInfo{Time: t0.Add(2 * time.Second), Records: 3})
	// The ring wraps: the replay replaces the oldest entry and shares an
	// id with a retained batch.
	s.add(driver.BatchInfo{Time: t0.Add(time.Second), Records: 4, Replayed: true})
	var got []string
	for _, b := range s.batches() {
		got = append(got, fmt.Sprintf("%d:%d", b.BatchID-t0.UnixMilli(), b.InputSize))
	}
	if want := []string{"2000:3", "1000:4", "1000:2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("batches (ms after t0:records) %v, want %v: newest id first, the later run first", got, want)
	}
	if b, ok := s.batch(t0.Add(time.Second).UnixMilli()); !ok || !b.Replayed {
		t.Fatalf("batch by id %+v, %v: want the replayed run", b, ok)
	}
}

func TestStreamingAPI(t *testing.T) {
	m := NewMetrics(MetricsConfig{AttemptID: testAttempt, BatchDuration: 500 * time.Millisecond, RetainedBatches: 3})
	for i := range 5 {
		m.OnBatch(driver.BatchInfo{Time: t0.Add(time.Duration(i) * 500 * time.Millisecond), Records: int64(10 * (i + 1)), ProcessingDelay: 100 * time.Millisecond})
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	newest3 := []int64{t0.UnixMilli() + 2000, t0.UnixMilli() + 1500, t0.UnixMilli() + 1000}
	none := []int64{}
	tests := []struct {
		path   string
		status int
		// ids are the batch ids listed, for a list (nil: not a list);
		// body is a part of the response.
		ids  []int64
		body string
	}{
		{"/api/v1/streaming/batches", 200, newest3, ""},
		{"/api/v1/applications/" + testAppID + "/streaming/batches", 200, newest3, ""},
		{"/api/v1/streaming/batches?status=completed", 200, newest3, ""},
		{"/api/v1/streaming/batches?status=QUEUED", 200, none, ""},
		{"/api/v1/streaming/batches?status=processing&status=Completed", 200, newest3, ""},
		{"/api/v1/streaming/batches?status=done", 400, nil, `unknown batch status "done": use COMPLETED, QUEUED or PROCESSING`},
		{"/api/v1/streaming/batches?status=", 400, nil, "use COMPLETED, QUEUED or PROCESSING"},
		{fmt.Sprintf("/api/v1/streaming/batches/%d", t0.UnixMilli()+1500), 200, nil, `"inputSize": 40`},
		{fmt.Sprintf("/api/v1/applications/%s/streaming/batches/%d", testAppID, t0.UnixMilli()+2000), 200, nil, `"inputSize": 50`},
		{fmt.Sprintf("/api/v1/streaming/batches/%d", t0.UnixMilli()), 404, nil, "unknown batch: 1700000000000 (only the last 3 completed batches are kept, spark.streaming.ui.retainedBatches)"},
		{"/api/v1/streaming/batches/latest", 404, nil, "unknown batch: latest"},
		{"/api/v1/streaming/statistics", 200, nil, `"numTotalCompletedBatches": 5`},
		{"/api/v1/applications/" + testAppID + "/streaming/statistics", 200, nil, `"avgInputRate": 80`},
		{"/api/v1/applications/application_1_0001/streaming/statistics", 404, nil, "no such app: application_1_0001"},
		{"/api/v1/applications/application_1_0001/streaming/batches/1", 404, nil, "no such app"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, raw)
			}
			if tt.status == 200 && resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q, want application/json", resp.Header.Get("Content-Type"))
			}
			if tt.ids != nil {
				var got []struct {
					BatchID int64 `json:"batchId"`
				}
				if err := json.Unmarshal(raw, &got); err != nil || got == nil {
					t.Fatalf("not a list of batches (%v):\n%s", err, raw)
				}
				gotIDs := []int64{}
				for _, b := range got {
					gotIDs = append(gotIDs, b.BatchID)
				}
				if !reflect.DeepEqual(gotIDs, tt.ids) {
					t.Errorf("batch ids %v, want %v", gotIDs, tt.ids)
				}
			}
			if !strings.Contains(string(raw), tt.body) {
				t.Errorf("response lacks %q:\n%s", tt.body, raw)
			}
		})
	}
}

func TestStreamingAPIWhileBatchesComplete(t *testing.T) {
	m := NewMetrics(MetricsConfig{AttemptID: testAttempt, RetainedBatches: 20})
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	const batches = 200
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range batches {
			m.OnBatch(fullBatch())
			b := fullBatch()
			b.Time = t0.Add(time.Duration(i+1) * time.Second)
			m.OnBatch(b)
		}
	}()
	// Read while the batches are added; the race detector checks the
	// locking, and every answer must be a well-formed list.
	for reading := true; reading; {
		select {
		case <-done:
			reading = false
		default:
		}
		var list []struct {
			BatchID int64 `json:"batchId"`
		}
		if err := json.Unmarshal([]byte(get(t, srv.URL+StreamingAPIPath+"/batches")), &list); err != nil {
			t.Fatal(err)
		}
		if len(list) > 20 {
			t.Fatalf("%d batches listed, more than the 20 retained", len(list))
		}
		get(t, srv.URL+StreamingAPIPath+"/statistics")
	}
	var st struct {
		NumTotalCompletedBatches, NumRetainedCompletedBatches, NumProcessedRecords int64
	}
	if err := json.Unmarshal([]byte(get(t, srv.URL+StreamingAPIPath+"/statistics")), &st); err != nil {
		t.Fatal(err)
	}
	if st.NumTotalCompletedBatches != 2*batches || st.NumRetainedCompletedBatches != 20 || st.NumProcessedRecords != 2*batches*120 {
		t.Fatalf("statistics %+v: want %d completed, 20 retained, %d records", st, 2*batches, 2*batches*120)
	}
}

func TestMetricsConfigFromApp(t *testing.T) {
	if got := MetricsConfigFromApp(conf.AppConf{}); got != (MetricsConfig{RetainedBatches: 1000, BatchDuration: time.Second}) {
		t.Fatalf("defaults: %+v", got)
	}
	var a conf.AppConf
	for k, v := range map[string]string{conf.KeyRetainedBatches: "50", conf.KeyBatchDuration: "250"} {
		if err := a.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if got := MetricsConfigFromApp(a); got != (MetricsConfig{RetainedBatches: 50, BatchDuration: 250 * time.Millisecond}) {
		t.Fatalf("set: %+v", got)
	}
}

func FuzzParseBatchStatuses(f *testing.F) {
	for _, s := range []string{"completed", "QUEUED", "Processing", "", "done"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, status string) {
		want, err := parseBatchStatuses([]string{status})
		if err != nil {
			if !strings.Contains(err.Error(), "COMPLETED, QUEUED or PROCESSING") {
				t.Fatalf("error %v does not name the valid statuses", err)
			}
			return
		}
		if len(want) != 1 {
			t.Fatalf("%q gave statuses %v, want one", status, want)
		}
		for s := range want {
			if !strings.EqualFold(s, strings.TrimSpace(status)) {
				t.Fatalf("%q gave status %s", status, s)
			}
		}
	})
}

// assertJSONEqual compares two JSON documents by value.
func assertJSONEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v\n%s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		gi, _ := json.MarshalIndent(g, "", "  ")
		wi, _ := json.MarshalIndent(w, "", "  ")
		t.Fatalf("JSON differs:\ngot  %s\nwant %s", gi, wi)
	}
}
