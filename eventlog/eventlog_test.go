package eventlog

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/appmaster/streamingui"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/driver"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const appID = "application_1772366400000_0003"

func batch(i int) driver.BatchInfo {
	return driver.BatchInfo{
		Time: t0.Add(time.Duration(i) * time.Second), Started: t0.Add(time.Duration(i) * time.Second), Finished: t0.Add(time.Duration(i)*time.Second + 200*time.Millisecond),
		Records: int64(10 + i), Outputs: int64(i), ProcessingDelay: 200 * time.Millisecond, RateLimit: 500, Replayed: i == 1,
		Stages:     []driver.StageTime{{Stage: driver.StageRead, Duration: 3 * time.Millisecond}},
		Partitions: []driver.PartitionProgress{{Topic: "orders", Partition: 0, From: int64(10 * i), Until: int64(10*i + 10), Latest: int64(10*i + 12)}},
	}
}

func fileStore(t *testing.T) dfs.Store {
	t.Helper()
	s, err := dfs.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWriteAndReplay writes a log through compaction and replays it into
// the same Streaming tab the live listener had.
func TestWriteAndReplay(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	app := streamingui.AppInfo{AppID: appID, Attempt: 2, Name: "retail", Started: t0, BatchDuration: time.Second}
	live := streamingui.NewListener(app, 4)
	cfg := DefaultWriterConfig()
	cfg.Store, cfg.Dir, cfg.App, cfg.MaxSegments, cfg.Snapshot = store, "/events", app, 3, live.Snapshot
	w, err := NewWriter(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Feed the listener first, then the log, as the AM does.
	live.OnExecutorAdded("1", "host-a", 2, t0)
	w.Add(Event{Event: EventExecutorAdded, Time: t0, ExecutorID: "1", Host: "host-a", Cores: 2})
	for i := range 10 {
		b := batch(i)
		live.OnBatchStarted(b.Time)
		w.Add(Event{Event: EventBatchStarted, BatchTime: b.Time})
		live.OnBatchCompleted(b)
		w.Add(Event{Event: EventBatchCompleted, Batch: &b})
		live.OnTaskEnd("1", i != 4)
		w.Add(Event{Event: EventTaskEnd, ExecutorID: "1", Succeeded: i != 4})
		if err := w.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	live.OnExecutorRemoved("1", "lost", t0.Add(time.Minute))
	w.Add(Event{Event: EventExecutorRemoved, Time: t0.Add(time.Minute), ExecutorID: "1", Reason: "lost"})

	dir := LogDir("/events", appID, 2)
	files, _ := store.List(ctx, dir)
	if segs := countSegments(files); segs > 3 {
		t.Errorf("%d segments after 10 flushes with MaxSegments 3: compaction did not run", segs)
	}
	replayed, complete, err := Replay(ctx, store, dir, 4)
	if err != nil {
		t.Fatal(err)
	}
	if complete {
		t.Error("a log not closed replays as complete")
	}
	// A batch the snapshot holds, written again after it, counts once.
	last := batch(9)
	w.Add(Event{Event: EventBatchCompleted, Batch: &last})
	ended := t0.Add(2 * time.Minute)
	if err := w.Close(ctx, ended); err != nil {
		t.Fatal(err)
	}
	replayed, complete, err = Replay(ctx, store, dir, 4)
	if err != nil || !complete {
		t.Fatalf("replay after close: complete %v, %v", complete, err)
	}
	got, want := replayed.Snapshot(), live.Snapshot()
	got.SnapshotTaken, want.SnapshotTaken = time.Time{}, time.Time{}
	want.App.Ended = ended
	if !reflect.DeepEqual(got.Batches, want.Batches) {
		t.Errorf("replayed batches differ:\n got %+v\nwant %+v", got.Batches, want.Batches)
	}
	if !reflect.DeepEqual(got.Executors, want.Executors) || got.Completed != 10 || got.Records != want.Records || !got.App.Ended.Equal(ended) {
		t.Errorf("replayed %+v, want %+v", got, want)
	}
}

func countSegments(files []dfs.FileInfo) int {
	n := 0
	for _, f := range files {
		if strings.HasPrefix(f.Name, segmentPrefix) {
			n++
		}
	}
	return n
}

// TestReplayCorruptSegment names the file that does not decode.
func TestReplayCorruptSegment(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	dir := LogDir("/events", appID, 1)
	store.WriteFile(ctx, dir+"/events_000000001", []byte(`{"Event":"SpindleLogHeader","Version":1}`+"\n"+`{"Event":"SpindleBatchCompleted"`))
	_, _, err := Replay(ctx, store, dir, 10)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "events_000000001") || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("replay of a truncated segment: %v, want ErrCorrupt naming the file and line", err)
	}
}

func TestHistoryServesFinishedApp(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	app := streamingui.AppInfo{AppID: appID, Attempt: 1, Name: "retail", Started: t0, BatchDuration: time.Second}
	live := streamingui.NewListener(app, 0)
	cfg := DefaultWriterConfig()
	cfg.Store, cfg.Dir, cfg.App, cfg.Snapshot = store, "/events", app, live.Snapshot
	w, err := NewWriter(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := batch(3)
	w.Add(Event{Event: EventBatchCompleted, Batch: &b})
	if err := w.Close(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	h, err := NewHistory(HistoryConfig{Store: store, Dir: "/events"})
	if err != nil {
		t.Fatal(err)
	}
	h.Scan(ctx)
	if !h.Has(appID) || h.Has("application_1772366400000_0004") {
		t.Fatalf("Has: %v for the logged app, want only it", h.Applications())
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/history/" + appID + "/streaming/batch?id=" + itoa(b.Time.UnixMilli()))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `<td id="input-size">13</td>`) {
		t.Fatalf("history batch page: %d\n%s", resp.StatusCode, page)
	}
	resp, err = http.Get(srv.URL + "/history/application_1772366400000_0009/streaming/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("history of an application without a log: %d, want 404", resp.StatusCode)
	}
}

// FuzzDecodeSegment checks that no input panics the decoder and that what
// it accepts has a known event with what the event needs.
func FuzzDecodeSegment(f *testing.F) {
	b := batch(1)
	good, _ := encodeSegment([]Event{{Event: EventBatchCompleted, Batch: &b}, {Event: EventTaskEnd, ExecutorID: "1"}})
	f.Add(good)
	f.Add([]byte(`{"Event":"SpindleLogHeader","Version":2}`))
	f.Add([]byte(`{"Event":"SpindleLogHeader","Version":1}` + "\n" + `{"Event":"SpindleSnapshot"}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := DecodeSegment(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		l := streamingui.NewListener(streamingui.AppInfo{}, 3)
		for _, ev := range evs {
			if check(ev) != nil {
				t.Fatalf("accepted an event that check refuses: %+v", ev)
			}
			apply(l, ev)
		}
	})
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
