package streamingui_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/appmaster/streamingui"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/internal/testutil"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testBatch is the i-th batch of a second-long interval, on two partitions.
func testBatch(i int) driver.BatchInfo {
	return driver.BatchInfo{
		Time: t0.Add(time.Duration(i) * time.Second), Started: t0.Add(time.Duration(i)*time.Second + 5*time.Millisecond),
		Finished: t0.Add(time.Duration(i)*time.Second + 300*time.Millisecond),
		Records:  int64(100 + i), Rejected: int64(i % 3), Outputs: int64(90 + i),
		SchedulingDelay: 5 * time.Millisecond, ProcessingDelay: time.Duration(200+i) * time.Millisecond,
		RateLimit: 1000 + float64(i), Lag: int64(10 * i), Replayed: i == 2,
		Stages: []driver.StageTime{{Stage: driver.StagePlan, Duration: 1500 * time.Microsecond}, {Stage: driver.StageRead, Duration: 40 * time.Millisecond}},
		Partitions: []driver.PartitionProgress{
			{Topic: "orders", Partition: 0, From: int64(50 * i), Until: int64(50*i + 50), Latest: int64(50*i + 60)},
			{Topic: "orders", Partition: 1, From: int64(51 * i), Until: int64(51*i + 51 + i), Latest: -1},
		},
	}
}

func serve(t *testing.T, l *streamingui.Listener) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(streamingui.Handler(l))
	t.Cleanup(srv.Close)
	return srv
}

func fetch(t *testing.T, url string, want int) string {
	t.Helper()
	return testutil.HTTPGet(t, url, want)
}

// svgPoints counts the points of the chart with id in page.
func svgPoints(page, id string) int {
	start := strings.Index(page, `id="`+id+`"`)
	if start < 0 {
		return -1
	}
	end := strings.Index(page[start:], "</svg>")
	return strings.Count(page[start:start+end], `class="pt"`)
}

func TestStreamingPage(t *testing.T) {
	l := streamingui.NewListener(streamingui.AppInfo{AppID: "application_1_0001", Attempt: 1, Name: "retail", Started: t0, BatchDuration: time.Second}, 5)
	for i := range 7 {
		l.OnBatchCompleted(testBatch(i))
	}
	l.OnBatchStarted(t0.Add(7 * time.Second))
	l.OnExecutorAdded("1", "host-a", 2, t0)
	l.OnExecutorAdded("2", "host-b", 2, t0)
	l.OnTaskEnd("1", true)
	l.OnTaskEnd("1", false)
	l.OnExecutorRemoved("2", "container exited with 137", t0.Add(3*time.Second))
	srv := serve(t, l)

	page := fetch(t, srv.URL+"/streaming/", http.StatusOK)
	for _, id := range []string{"input-rate", "scheduling-delay", "processing-time", "total-delay", "rate-limit"} {
		if n := svgPoints(page, id); n != 5 {
			t.Errorf("chart %s has %d points, want one per retained batch (5)", id, n)
		}
		if id != "rate-limit" && !strings.Contains(page, `id="`+id+`-hist"`) {
			t.Errorf("no histogram beside %s", id)
		}
	}
	// Partition 1's latest offset was never known: only partition 0 has a lag line.
	if n := svgPoints(page, "kafka-lag"); n != 5 {
		t.Errorf("lag chart has %d points, want 5 (partition 0 only)", n)
	}
	for _, want := range []string{`<span id="completed-total">7</span>`, `<span id="retained">5</span>`, `batch?id=` + itoa(t0.Add(6*time.Second).UnixMilli()),
		`class="replayed"`, `data-executor="2"`, "container exited with 137", `<span id="rate-limit">1006.00 records/s</span>`, "processing"} {
		if !strings.Contains(page, want) {
			t.Errorf("Streaming page lacks %q", want)
		}
	}
	if strings.Contains(page, `batch?id=`+itoa(t0.Add(time.Second).UnixMilli())) {
		t.Error("a batch beyond the retained 5 is still listed")
	}
	if got := regexp.MustCompile(`<tr class="Active" data-executor="1">.*?</tr>`).FindString(strings.ReplaceAll(page, "\n", "")); !strings.Contains(got, `<td class="num">1</td><td class="num">1</td>`) {
		t.Errorf("executor 1's row %q: want 1 task succeeded and 1 failed", got)
	}

	id := t0.Add(6 * time.Second).UnixMilli()
	bp := fetch(t, srv.URL+"/streaming/batch?id="+itoa(id), http.StatusOK)
	for _, want := range []string{`<td id="input-size">106</td>`, `<td id="rejected">0</td>`, `<td id="outputs">96</td>`,
		`<td id="processing-time">206 ms</td>`, `<td id="scheduling-delay">5 ms</td>`, `data-partition="orders-0"`,
		`<td class="num from">300</td><td class="num until">350</td>`, `<td class="num">1.500</td>`, "unknown"} {
		if !strings.Contains(bp, want) {
			t.Errorf("batch page lacks %q", want)
		}
	}
	fetch(t, srv.URL+"/streaming/batch?id="+itoa(t0.UnixMilli()), http.StatusNotFound)
	fetch(t, srv.URL+"/streaming/batch?id=soon", http.StatusBadRequest)

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "streaming/" {
		t.Errorf("/ redirects to %q, want the relative streaming/ (so that it works behind the proxy)", loc)
	}
}

func TestStreamingPageEmpty(t *testing.T) {
	srv := serve(t, streamingui.NewListener(streamingui.AppInfo{AppID: "application_1_0001"}, 0))
	if page := fetch(t, srv.URL+"/streaming/", http.StatusOK); !strings.Contains(page, "no completed batches yet") {
		t.Error("an empty Streaming tab does not say there are no batches")
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// TestStreamingPageReceivers: a job's receivers are a table on the
// Streaming tab with Spark's status, where each runs, its counts and its
// last error; a job without receivers has no such table.
func TestStreamingPageReceivers(t *testing.T) {
	l := streamingui.NewListener(streamingui.AppInfo{AppID: "application_1_0001", Attempt: 1, Name: "retail", Started: t0, BatchDuration: time.Second}, 5)
	srv := serve(t, l)
	if page := fetch(t, srv.URL+"/streaming/", 200); strings.Contains(page, `id="receivers"`) {
		t.Fatalf("a job without receivers shows a receivers table:\n%s", page)
	}
	l.SetReceivers(func() []driver.ReceiverState {
		return []driver.ReceiverState{
			{StreamID: 0, Name: "amqp-tx", Active: true, ExecutorID: "2", ExecutorHost: "node-2", Records: 1200, Blocks: 12, WALWrite: 1500 * time.Millisecond, Started: time.Now().Add(-time.Minute)},
			{StreamID: 1, Name: "socket", Errors: 3, RecordsLost: 40, LastError: "restarting: connect to 10.0.0.1:9999: <refused>", LastErrorTime: t0},
		}
	})
	page := fetch(t, srv.URL+"/streaming/", 200)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`<tr data-stream="0"><td>amqp-tx-0</td><td class="status">ACTIVE</td><td>2</td><td>node-2</td>\s*<td class="num records">1200</td><td class="num">12</td><td class="num">(19\.\d\d|20\.00)</td><td class="num">1500 ms</td>\s*<td class="num">0</td><td class="num lost">0</td><td>-</td><td class="error"></td></tr>`),
		regexp.MustCompile(`<tr data-stream="1"><td>socket-1</td><td class="status">INACTIVE</td><td>-</td><td>-</td>\s*<td class="num records">0</td><td class="num">0</td><td class="num">-</td><td class="num">0 ms</td>\s*<td class="num">3</td><td class="num lost">40</td><td>2026/03/01 12:00:00.000</td><td class="error">restarting: connect to 10.0.0.1:9999: &lt;refused&gt;</td></tr>`),
	} {
		if !want.MatchString(page) {
			t.Errorf("the receivers table has no row matching %s:\n%s", want, page)
		}
	}
}
