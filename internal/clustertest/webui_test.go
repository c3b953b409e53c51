package clustertest

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/pki"
)

// restJSON GETs url as the user of tls and decodes its JSON body into v.
func restJSON(t *testing.T, tls *pki.Material, url string, v any) {
	t.Helper()
	raw := httpGet(t, tls, url)
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		t.Fatalf("GET %s: %v\n%.1000s", url, err, raw)
	}
}

type restAppInfo struct {
	ID          string `json:"id"`
	State       string `json:"state"`
	TrackingURL string `json:"trackingUrl"`
	TrackingUI  string `json:"trackingUI"`
	AllocatedMB int64  `json:"allocatedMB"`
}

// TestWebUIInBrowser runs the retail job and reads the RM's pages, the
// Streaming tab through the proxy, a batch page, a killed NM as LOST and,
// after the application ends, its pages from history, in headless
// Chromium. With SPINDLE_UI_SCREENSHOTS=docs it also takes the
// screenshots the docs show. The cluster is secure as ever: the browser is
// the test's user, with its client certificate (testutil.NewBrowserAs).
func TestWebUIInBrowser(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"transactions": 4})
	events := filepath.Join(testutil.SharedDir(t), "events")
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2, Conf: []string{"spark.history.fs.logDirectory=file://" + events}})
	var want testutil.RetailTotals
	testutil.ProduceRetail(t, b, "transactions", 4, 0, 3000, &want)
	dir := testutil.SharedDir(t)
	sub := retailJob(t, c, b, "transactions", dir,
		"--conf", "spark.eventLog.enabled=true", "--conf", "spark.eventLog.dir=file://"+events,
		"--conf", "spark.streaming.kafka.maxRatePerPartition=500")
	appID := sub.AppID()
	waitCommittedUntil(t, b, "transactions", 4, dir, 120*time.Second)
	rm := "https://" + c.RMAddr.Web
	br := testutil.NewBrowserAs(t, c.TLS.ClientTLS)

	// A third NM joins; it is killed later and must show as LOST.
	extra := c.AddNodeManager()
	c.WaitForNodes(3)

	t.Run("overview", func(t *testing.T) {
		var m struct {
			ClusterMetrics struct {
				AppsRunning int   `json:"appsRunning"`
				ActiveNodes int   `json:"activeNodes"`
				TotalMB     int64 `json:"totalMB"`
				TotalVCores int   `json:"totalVirtualCores"`
			} `json:"clusterMetrics"`
		}
		restJSON(t, c.TLS.ClientTLS, rm+"/ws/v1/cluster/metrics", &m)
		br.Open(rm + "/")
		if u := br.URL(); !strings.HasSuffix(u, "/cluster") {
			t.Errorf("/ went to %s, want the overview", u)
		}
		for sel, want := range map[string]string{
			"#apps-running":  strconv.Itoa(m.ClusterMetrics.AppsRunning),
			"#nodes-active":  strconv.Itoa(m.ClusterMetrics.ActiveNodes),
			"#vcores-total":  strconv.Itoa(m.ClusterMetrics.TotalVCores),
			"#apps-finished": "0",
		} {
			if got := br.Text(sel); got != want {
				t.Errorf("%s shows %q, want %q (REST)", sel, got, want)
			}
		}
		if got := br.Attr("#memory-total", "data-mb"); got != strconv.FormatInt(m.ClusterMetrics.TotalMB, 10) {
			t.Errorf("memory total %s MB, want %d", got, m.ClusterMetrics.TotalMB)
		}
		br.Screenshot("ui-overview")
	})

	t.Run("applications", func(t *testing.T) {
		br.Open(rm + "/cluster/apps?states=RUNNING&queue=default")
		row := `tr[data-app="` + appID + `"]`
		if br.Count(row) != 1 || br.Text(row+" td.state") != "RUNNING" {
			t.Fatalf("applications page: row of %s %q", appID, br.Text(row))
		}
		br.Screenshot("ui-applications")
		br.Open(rm + "/cluster/apps?states=FINISHED")
		if br.Count(row) != 0 {
			t.Errorf("the state filter of the applications page shows the running %s among FINISHED ones", appID)
		}
	})

	t.Run("application", func(t *testing.T) {
		var containers int
		testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
			br.Open(rm + "/cluster/app/" + appID)
			containers = br.Count("table.containers tr.RUNNING")
			return containers >= 3, fmt.Sprintf("%d running containers on the page", containers)
		})
		if got := br.Text("#app-state"); got != "RUNNING" {
			t.Errorf("state %q", got)
		}
		var one struct{ App restAppInfo }
		restJSON(t, c.TLS.ClientTLS, rm+"/ws/v1/cluster/apps/"+appID, &one)
		if got := br.Attr("#tracking-url", "href"); got != one.App.TrackingURL || !strings.Contains(got, "/proxy/"+appID+"/") {
			t.Errorf("tracking link %q, want the proxy URL %q", got, one.App.TrackingURL)
		}
		if got := br.Text("#app-containers"); got != strconv.Itoa(containers) {
			t.Errorf("running containers %s, want %d (rows)", got, containers)
		}
		br.Screenshot("ui-application")
		logs := br.Attr("a.am-logs", "href")
		if logs == "" {
			t.Fatal("no AM log link")
		}
		br.Open(logs)
		if br.Count("a.logfile") < 2 || !strings.Contains(br.Text("body"), "stderr") {
			t.Errorf("the AM's log link %s does not list its log files: %q", logs, br.Text("body"))
		}
	})

	t.Run("scheduler", func(t *testing.T) {
		br.Open(rm + "/cluster/scheduler")
		if got := br.Attr("#queue-default", "data-capacity"); got != "100" {
			t.Errorf("default queue capacity %q, want 100", got)
		}
		used, _ := strconv.ParseFloat(br.Attr("#queue-default", "data-used"), 64)
		if used <= 0 {
			t.Errorf("default queue used %v%% while the retail job runs", used)
		}
		br.Screenshot("ui-scheduler")
	})

	t.Run("streaming tab through the proxy", func(t *testing.T) {
		var stats struct {
			NumRetained int64 `json:"numRetainedCompletedBatches"`
		}
		restJSON(t, c.TLS.ClientTLS, rm+"/proxy/"+appID+"/api/v1/streaming/statistics", &stats)
		if stats.NumRetained == 0 {
			t.Fatal("no completed batch yet")
		}
		br.Open(rm + "/proxy/" + appID + "/")
		if u := br.URL(); !strings.HasSuffix(u, "/proxy/"+appID+"/streaming/") {
			t.Errorf("the tracking URL led to %s, want the Streaming tab through the proxy", u)
		}
		for _, chart := range []string{"input-rate", "scheduling-delay", "processing-time", "total-delay", "rate-limit", "kafka-lag"} {
			if n := br.Count("svg#" + chart + " circle.pt"); int64(n) < stats.NumRetained {
				t.Errorf("chart %s has %d points, want at least the %d completed batches", chart, n, stats.NumRetained)
			}
		}
		if n := br.Count("svg#processing-time-hist rect.bin"); n == 0 {
			t.Error("no processing time histogram")
		}
		if n := br.Count("#executors tr.Active"); n != 2 {
			t.Errorf("%d active executors, want 2", n)
		}
		br.Screenshot("ui-streaming")

		// The newest batch with records, on its page and in the REST API.
		href := testutil.Eval[string](br, `(function(){for (const r of document.querySelectorAll('#completed-batches tbody tr')) { if (r.cells[1].textContent.trim() !== "0") return r.querySelector('a').getAttribute('href') } return ""})()`)
		if href == "" {
			t.Fatal("no completed batch with records in the table")
		}
		id := strings.TrimPrefix(href, "batch?id=")
		br.Open(rm + "/proxy/" + appID + "/streaming/" + href)
		var batch struct {
			InputSize       int64 `json:"inputSize"`
			ProcessingTime  int64 `json:"processingTime"`
			SchedulingDelay int64 `json:"schedulingDelay"`
			RecordsRejected int64 `json:"recordsRejected"`
			OutputRecords   int64 `json:"outputRecords"`
			Partitions      []struct {
				Topic       string `json:"topic"`
				Partition   int32  `json:"partition"`
				FromOffset  int64  `json:"fromOffset"`
				UntilOffset int64  `json:"untilOffset"`
			} `json:"partitions"`
		}
		restJSON(t, c.TLS.ClientTLS, rm+"/proxy/"+appID+"/api/v1/streaming/batches/"+id, &batch)
		for sel, want := range map[string]string{
			"#batch-id":         id,
			"#input-size":       strconv.FormatInt(batch.InputSize, 10),
			"#rejected":         strconv.FormatInt(batch.RecordsRejected, 10),
			"#outputs":          strconv.FormatInt(batch.OutputRecords, 10),
			"#processing-time":  fmt.Sprintf("%d ms", batch.ProcessingTime),
			"#scheduling-delay": fmt.Sprintf("%d ms", batch.SchedulingDelay),
		} {
			if got := br.Text(sel); got != want {
				t.Errorf("batch page %s = %q, REST says %q", sel, got, want)
			}
		}
		for _, p := range batch.Partitions {
			row := fmt.Sprintf(`tr[data-partition="%s-%d"]`, p.Topic, p.Partition)
			if br.Text(row+" td.from") != strconv.FormatInt(p.FromOffset, 10) || br.Text(row+" td.until") != strconv.FormatInt(p.UntilOffset, 10) {
				t.Errorf("batch page %s shows %q, REST says %d–%d", row, br.Text(row), p.FromOffset, p.UntilOffset)
			}
		}
		br.Screenshot("ui-batch")
	})

	t.Run("killed node is LOST", func(t *testing.T) {
		var a testutil.NMAddresses
		extra.Ready(&a)
		extra.Kill()
		testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
			br.Open(rm + "/cluster/nodes")
			got := br.Text(`tr[data-node="` + a.NodeID + `"] td.state`)
			return got == "LOST", "node " + a.NodeID + " shows " + got
		})
		br.Screenshot("ui-nodes")
		br.Open(rm + "/cluster")
		if got := br.Text("#nodes-lost"); got != "1" {
			t.Errorf("overview: %s lost nodes, want 1", got)
		}
	})

	t.Run("history after the application ends", func(t *testing.T) {
		if out, err := stopApp(t, c, appID); err != nil {
			t.Fatalf("stop %s: %v\n%s", appID, err, out)
		}
		if err := sub.Wait(60 * time.Second); err != nil {
			t.Fatalf("spindle submit: %v", err)
		}
		// The AM has exited: none of the application's containers runs.
		testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
			for i := range 2 {
				if n := len(c.RunningContainers(appID)[i]); n > 0 {
					return false, fmt.Sprintf("NM %d still runs %d containers of %s", i, n, appID)
				}
			}
			return true, ""
		})
		var one struct{ App restAppInfo }
		testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
			restJSON(t, c.TLS.ClientTLS, rm+"/ws/v1/cluster/apps/"+appID, &one)
			return one.App.TrackingUI == "History" && strings.Contains(one.App.TrackingURL, "/history/"+appID+"/"), fmt.Sprintf("%+v", one.App)
		})
		br.Open(rm + "/cluster/app/" + appID)
		if got := br.Text("#app-state"); got != "FINISHED" {
			t.Errorf("state %q, want FINISHED", got)
		}
		br.Open(br.Attr("#tracking-url", "href"))
		if u := br.URL(); !strings.Contains(u, "/history/"+appID+"/streaming/") {
			t.Fatalf("the finished application's tracking link led to %s", u)
		}
		if n := br.Count("#completed-batches tbody tr"); n == 0 {
			t.Error("history shows no completed batch")
		}
		if got := br.Text("#records-total"); got != "3000" {
			t.Errorf("history counts %s records, want the 3000 produced", got)
		}
		if n := br.Count("svg#processing-time circle.pt"); n == 0 {
			t.Error("history's processing time chart has no points")
		}
		br.Screenshot("ui-history")
	})
}
