package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/appmaster/streamingui"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/eventlog"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/pki"
)

// TestHistoryCommand serves an application's event log with `spindle
// history`, as Spark's history server.
func TestHistoryCommand(t *testing.T) {
	dir := t.TempDir()
	store, err := dfs.NewFileStore("/")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const appID = "application_1772366400000_0042"
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	app := streamingui.AppInfo{AppID: appID, Attempt: 1, Name: "retail", Started: t0, BatchDuration: time.Second}
	l := streamingui.NewListener(app, 0)
	cfg := eventlog.DefaultWriterConfig()
	cfg.Store, cfg.Dir, cfg.App, cfg.Snapshot = store, dir, app, l.Snapshot
	w, err := eventlog.NewWriter(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := driver.BatchInfo{Time: t0.Add(time.Second), Records: 77, ProcessingDelay: 120 * time.Millisecond}
	w.Add(eventlog.Event{Event: eventlog.EventBatchCompleted, Batch: &b})
	if err := w.Close(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	certs := testutil.NewClusterTLS(t, t.TempDir())
	args := []string{"history", "--conf", "spark.history.fs.logDirectory=file://" + dir, "--address", "127.0.0.1:0"}
	for _, kv := range certs.RMConf()[:3] {
		args = append(args, "--conf", kv)
	}
	d := testutil.StartDaemon(t, "history", args...)
	var ready struct{ Webapp string }
	d.Ready(&ready)
	// Only the cluster's users get in.
	if resp, err := http.Get("https://" + ready.Webapp + "/"); err == nil {
		resp.Body.Close()
		t.Fatal("a client that trusts no cluster CA and has no certificate was served")
	}
	caOnly, _ := pki.LoadFiles(pki.Files{CA: certs.CA}, nil)
	if resp, err := pki.HTTPClient(caOnly, 5*time.Second).Get("https://" + ready.Webapp + "/"); err == nil {
		resp.Body.Close()
		t.Fatal("a client without a certificate was served")
	}
	testutil.RegisterTLS(certs.ClientTLS, ready.Webapp)
	base := "https://" + ready.Webapp
	if idx := testutil.HTTPGet(t, base+"/", http.StatusOK); !strings.Contains(idx, `href="/history/`+appID+`/streaming/"`) {
		t.Errorf("index does not list %s:\n%s", appID, idx)
	}
	page := testutil.HTTPGet(t, base+"/history/"+appID+"/streaming/", http.StatusOK)
	if !strings.Contains(page, `<span id="records-total">77</span>`) {
		t.Errorf("history page does not show the logged batch:\n%.2000s", page)
	}
	testutil.HTTPGet(t, base+"/history/application_1772366400000_0043/streaming/", http.StatusNotFound)
}
