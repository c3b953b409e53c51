package appmaster

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/driver"
)

// TestReceiversREST: /api/v1/streaming/receivers lists each receiver in
// Spark's shape with its counts, one receiver is served by stream id, an
// unknown one is a 404 saying what exists, statistics count the active
// and inactive receivers, and /metrics has each receiver's series.
func TestReceiversREST(t *testing.T) {
	m := NewMetrics(MetricsConfig{AttemptID: testAttempt, AppName: "retail"})
	failed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m.OnReceivers(func() []driver.ReceiverState {
		return []driver.ReceiverState{
			{StreamID: 0, Name: "amqp-tx", Active: true, ExecutorID: "2", ExecutorHost: "node-2", Records: 1200, Blocks: 12, WALWrite: 1500 * time.Millisecond, Started: time.Now().Add(-time.Minute)},
			{StreamID: 1, Name: "socket-lines", Errors: 3, RecordsLost: 40, LastError: "connect to 10.0.0.1:9999: connection refused", LastErrorTime: failed},
		}
	})
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	get := func(path string, want int) string {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s: status %d, want %d: %s", path, resp.StatusCode, want, raw)
		}
		return string(raw)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(get("/api/v1/streaming/receivers", 200)), &list); err != nil || len(list) != 2 {
		t.Fatalf("receivers: %v, %v", list, err)
	}
	if list[0]["streamName"] != "amqp-tx" || list[0]["isActive"] != true || list[0]["executorHost"] != "node-2" ||
		list[0]["numRecordsReceived"] != 1200.0 || list[0]["numBlocks"] != 12.0 || list[0]["walWriteTime"] != 1500.0 {
		t.Fatalf("receiver 0: %v", list[0])
	}
	if rate, ok := list[0]["avgEventRate"].(float64); !ok || rate < 19 || rate > 20.1 {
		t.Fatalf("receiver 0's avgEventRate %v, want about 20 records/s", list[0]["avgEventRate"])
	}
	if list[1]["lastErrorTime"] != "2026-01-02T03:04:05.000GMT" || list[1]["lastErrorMessage"] != "connect to 10.0.0.1:9999: connection refused" ||
		list[1]["numErrors"] != 3.0 || list[1]["numRecordsLost"] != 40.0 || list[1]["executorId"] != nil {
		t.Fatalf("receiver 1: %v", list[1])
	}
	if one := get("/api/v1/applications/"+testAppID+"/streaming/receivers/1", 200); !strings.Contains(one, `"streamName": "socket-lines"`) {
		t.Fatalf("receiver 1 by id: %s", one)
	}
	if body := get("/api/v1/streaming/receivers/2", 404); !strings.Contains(body, "unknown receiver: 2 (this application has 2 receivers, streams 0 to 1)") {
		t.Fatalf("unknown receiver: %s", body)
	}
	st := get("/api/v1/streaming/statistics", 200)
	for _, want := range []string{`"numReceivers": 2`, `"numActiveReceivers": 1`, `"numInactiveReceivers": 1`} {
		if !strings.Contains(st, want) {
			t.Errorf("statistics lack %s: %s", want, st)
		}
	}
	prom := get("/metrics", 200)
	for _, want := range []string{
		`spindle_streaming_receiver_records_received_total{application_id="` + testAppID + `",stream_id="0",stream_name="amqp-tx"} 1200`,
		`spindle_streaming_receiver_wal_write_seconds_total{application_id="` + testAppID + `",stream_id="0",stream_name="amqp-tx"} 1.5`,
		`spindle_streaming_receiver_errors_total{application_id="` + testAppID + `",stream_id="1",stream_name="socket-lines"} 3`,
		`spindle_streaming_receiver_active{application_id="` + testAppID + `",stream_id="1",stream_name="socket-lines"} 0`,
		`spindle_streaming_receiver_records_lost_total{application_id="` + testAppID + `",stream_id="1",stream_name="socket-lines"} 40`,
	} {
		if !strings.Contains(prom, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var js MetricsJSON
	if err := json.Unmarshal([]byte(get("/metrics/json", 200)), &js); err != nil {
		t.Fatal(err)
	}
	if g := js.Gauges[testAppID+".driver.retail.StreamingMetrics.streaming.receivers"]; g.Value != 2.0 {
		t.Errorf("/metrics/json counts %v receivers, want 2", g.Value)
	}
}
