package nodemanager

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/internal/minihdfs"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const (
	aggNode       = "127.0.0.1:4545"
	aggUser       = "alice"
	aggContainer2 = "container_1700000000000_0007_01_000003"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// countingStore counts writes per path and fails them while fail is set.
type countingStore struct {
	dfs.Store
	mu     sync.Mutex
	writes map[string]int
	fail   bool
}

var errStoreDown = errors.New("store down")

func (s *countingStore) WriteFrom(ctx context.Context, p string, r io.Reader) (int64, error) {
	s.mu.Lock()
	fail := s.fail
	if !fail {
		s.writes[p]++
	}
	s.mu.Unlock()
	if fail {
		return 0, errStoreDown
	}
	return s.Store.WriteFrom(ctx, p, r)
}

// aggFixture is an aggregator over temporary log dirs and a file:// remote dir.
type aggFixture struct {
	a      *logAggregator
	clock  *fakeClock
	roots  []string
	remote string // local path of the remote dir
	store  *countingStore
	logs   *observer.ObservedLogs
	mu     sync.Mutex
	apps   map[string]appOnNode
}

func newAggFixture(t *testing.T, enabled bool) *aggFixture {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	f := &aggFixture{
		clock:  &fakeClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)},
		roots:  []string{t.TempDir(), t.TempDir()},
		remote: filepath.Join(t.TempDir(), "app-logs"),
		logs:   logs,
		apps:   map[string]appOnNode{testApp: {user: aggUser, running: true}},
	}
	a, err := newLogAggregator(aggregatorConfig{
		Enabled:      enabled,
		RemoteDir:    "file://" + f.remote,
		Retain:       time.Hour,
		RollInterval: time.Minute,
		LogDirs:      f.roots,
		NodeID:       aggNode,
		Apps: func() map[string]appOnNode {
			f.mu.Lock()
			defer f.mu.Unlock()
			return maps(f.apps)
		},
		Logger: zap.New(core),
		Now:    f.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	local, err := dfs.NewFileStore("/")
	if err != nil {
		t.Fatal(err)
	}
	f.store = &countingStore{Store: local, writes: map[string]int{}}
	a.store, a.root = f.store, f.remote
	f.a = a
	return f
}

func maps(m map[string]appOnNode) map[string]appOnNode {
	out := make(map[string]appOnNode, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (f *aggFixture) setRunning(running bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.apps[testApp] = appOnNode{user: aggUser, running: running}
}

// writeLog writes a container's log file in log dir root i with the given
// modification time.
func (f *aggFixture) writeLog(t *testing.T, i int, container, name, content string, mtime time.Time) string {
	t.Helper()
	dir := filepath.Join(f.roots[i], testApp, container)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	return p
}

// remoteFiles reads the remote copy of testApp: path below the node's dir → content.
func (f *aggFixture) remoteFiles(t *testing.T) map[string]string {
	t.Helper()
	base := filepath.Join(f.remote, aggUser, "logs", testApp, AggregatedNodeDir(aggNode))
	out := map[string]string{}
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, p)
		out[filepath.ToSlash(rel)] = string(raw)
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}

func (f *aggFixture) writesOf(p string) int {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	n := 0
	for k, v := range f.store.writes {
		if strings.HasSuffix(k, p) {
			n += v
		}
	}
	return n
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestLogAggregatorFinishedApp: a finished application's logs are uploaded
// only once its containers on the node have ended, from every log dir,
// rolled files under the time of their last write, a link out of the log
// dir left behind with a warning; the local copies go after the retention
// time, not before.
func TestLogAggregatorFinishedApp(t *testing.T) {
	f := newAggFixture(t, true)
	ctx := context.Background()
	rolledAt := time.Date(2025, 3, 1, 11, 0, 5, 123456789, time.UTC)
	f.writeLog(t, 0, testContainer, "stdout", "out-now\n", f.clock.Now())
	f.writeLog(t, 0, testContainer, "stdout.1", "out-before\n", rolledAt)
	f.writeLog(t, 0, testContainer, "app.log", `{"msg":"partition counted"}`+"\n", f.clock.Now())
	f.writeLog(t, 1, aggContainer2, "stderr", "err\n", f.clock.Now())
	f.writeLog(t, 1, aggContainer2, "notes.2", "a file of the job's\n", f.clock.Now())
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("not a log"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(f.roots[0], testApp, testContainer, "escape")); err != nil {
		t.Fatal(err)
	}

	f.a.appsFinished([]string{testApp, "not-an-app"})
	f.a.pass(ctx, f.clock.Now())
	if got := f.remoteFiles(t); len(got) != 0 {
		t.Fatalf("uploaded %v while a container of the app still runs on the node", got)
	}

	f.setRunning(false)
	f.a.pass(ctx, f.clock.Now())
	want := map[string]string{
		testContainer + "/stdout":                           "out-now\n",
		testContainer + "/stdout.20250301-110005.123456789": "out-before\n",
		testContainer + "/app.log":                          `{"msg":"partition counted"}` + "\n",
		aggContainer2 + "/stderr":                           "err\n",
		aggContainer2 + "/notes.2":                          "a file of the job's\n",
	}
	if got := f.remoteFiles(t); !equalMaps(got, want) {
		t.Fatalf("remote copy\n%v\nwant\n%v", got, want)
	}
	if n := f.logs.FilterMessage("container log file not aggregated").FilterField(zap.String("file", "escape")).Len(); n != 1 {
		t.Fatalf("%d warnings about the link out of the log dir, want 1", n)
	}
	if n := f.logs.FilterMessage("ignoring finished application with an invalid id").Len(); n != 1 {
		t.Fatalf("%d warnings about the invalid id, want 1", n)
	}

	// Handled once: a later pass uploads nothing again.
	f.a.pass(ctx, f.clock.Now())
	if n := f.writesOf("/stdout"); n != 1 {
		t.Fatalf("stdout written %d times, want 1", n)
	}

	for _, root := range f.roots {
		if _, err := os.Stat(filepath.Join(root, testApp)); err != nil {
			t.Fatalf("local logs gone before the retention time: %v", err)
		}
	}
	if got := f.a.deleter.Pending(); got != 2 {
		t.Fatalf("%d deletions pending, want the app's dir in each of the 2 log dirs", got)
	}
	f.clock.Advance(59 * time.Minute)
	if n := f.a.deleter.DeleteDue(); n != 0 {
		t.Fatalf("deleted %d paths a minute before the retention time", n)
	}
	f.clock.Advance(time.Minute)
	if n := f.a.deleter.DeleteDue(); n != 2 {
		t.Fatalf("deleted %d paths at the retention time, want 2", n)
	}
	for _, root := range f.roots {
		if _, err := os.Stat(filepath.Join(root, testApp)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("local logs after the retention time: %v", err)
		}
	}
}

// TestLogAggregatorRolledFilesWhileRunning: every roll interval, the
// rolled files of a running application are uploaded, each once even as
// local names shift and across a restart of the aggregator; live files
// wait for the end.
func TestLogAggregatorRolledFilesWhileRunning(t *testing.T) {
	f := newAggFixture(t, true)
	ctx := context.Background()
	first := time.Date(2025, 3, 1, 11, 0, 0, 0, time.UTC)
	f.writeLog(t, 0, testContainer, "stdout", "live\n", f.clock.Now())
	f.writeLog(t, 0, testContainer, "stdout.1", "first roll\n", first)
	f.writeLog(t, 0, testContainer, "spindle.log.1", "framework roll\n", first)
	f.a.pass(ctx, f.clock.Now())
	want := map[string]string{
		testContainer + "/stdout.20250301-110000.000000000":      "first roll\n",
		testContainer + "/spindle.log.20250301-110000.000000000": "framework roll\n",
	}
	if got := f.remoteFiles(t); !equalMaps(got, want) {
		t.Fatalf("after the first roll pass\n%v\nwant\n%v", got, want)
	}

	// The file rolls again: stdout.1 becomes stdout.2, a new stdout.1 appears.
	dir := filepath.Join(f.roots[0], testApp, testContainer)
	if err := os.Rename(filepath.Join(dir, "stdout.1"), filepath.Join(dir, "stdout.2")); err != nil {
		t.Fatal(err)
	}
	second := first.Add(30 * time.Minute)
	f.writeLog(t, 0, testContainer, "stdout.1", "second roll\n", second)
	f.a.pass(ctx, f.clock.Now())
	if got := f.remoteFiles(t); len(got) != 2 {
		t.Fatalf("uploaded before the roll interval passed: %v", got)
	}
	f.clock.Advance(time.Minute)
	f.a.pass(ctx, f.clock.Now())
	want[testContainer+"/stdout.20250301-113000.000000000"] = "second roll\n"
	if got := f.remoteFiles(t); !equalMaps(got, want) {
		t.Fatalf("after the second roll pass\n%v\nwant\n%v", got, want)
	}
	if n := f.writesOf("/stdout.20250301-110000.000000000"); n != 1 {
		t.Fatalf("the first rolled stdout was written %d times, want 1", n)
	}

	// A new aggregator (an NM restart) finds the uploaded files in the store.
	g := newAggFixture(t, true)
	g.roots, g.remote = f.roots, f.remote
	g.a.cfg.LogDirs = f.roots
	g.a.root = f.remote
	g.a.pass(ctx, g.clock.Now())
	if n := len(g.store.writes); n != 0 {
		t.Fatalf("a restarted aggregator rewrote %d rolled files: %v", n, g.store.writes)
	}

	// At the end, only what was not uploaded yet goes.
	f.a.appsFinished([]string{testApp})
	f.setRunning(false)
	f.a.pass(ctx, f.clock.Now())
	want[testContainer+"/stdout"] = "live\n"
	if got := f.remoteFiles(t); !equalMaps(got, want) {
		t.Fatalf("after the app finished\n%v\nwant\n%v", got, want)
	}
	for _, p := range []string{"/stdout.20250301-110000.000000000", "/stdout.20250301-113000.000000000", "/spindle.log.20250301-110000.000000000"} {
		if n := f.writesOf(p); n != 1 {
			t.Errorf("%s written %d times, want 1", p, n)
		}
	}
}

// TestLogAggregatorRetriesFailedUpload: an upload that fails is retried
// after a backoff, with a fresh store, and the local logs stay until it
// succeeds.
func TestLogAggregatorRetriesFailedUpload(t *testing.T) {
	f := newAggFixture(t, true)
	ctx := context.Background()
	f.writeLog(t, 0, testContainer, "stdout", "out\n", f.clock.Now())
	f.setRunning(false)
	f.store.fail = true
	f.a.appsFinished([]string{testApp})
	f.a.pass(ctx, f.clock.Now())
	if n := f.logs.FilterMessage("aggregate application logs").Len(); n != 1 {
		t.Fatalf("%d warnings about the failed upload, want 1", n)
	}
	if f.a.deleter.Pending() != 0 {
		t.Fatal("local logs scheduled for deletion although the upload failed")
	}
	f.a.pass(ctx, f.clock.Now())
	if n := f.logs.FilterMessage("aggregate application logs").Len(); n != 1 {
		t.Fatalf("retried at once (%d warnings), want a backoff", n)
	}
	f.clock.Advance(aggregatorPollInterval * 2)
	f.a.pass(ctx, f.clock.Now())
	want := map[string]string{testContainer + "/stdout": "out\n"}
	if got := f.remoteFiles(t); !equalMaps(got, want) {
		t.Fatalf("after the retry\n%v\nwant\n%v", got, want)
	}
	if f.a.deleter.Pending() != 1 {
		t.Fatalf("%d deletions pending after the upload, want 1", f.a.deleter.Pending())
	}
}

// TestLogAggregatorDisabled: without aggregation nothing is uploaded, yet
// a finished application's local logs still go after the retention time.
func TestLogAggregatorDisabled(t *testing.T) {
	f := newAggFixture(t, false)
	ctx := context.Background()
	f.writeLog(t, 0, testContainer, "stdout.1", "rolled\n", f.clock.Now())
	f.a.pass(ctx, f.clock.Now())
	f.a.appsFinished([]string{testApp})
	f.setRunning(false)
	f.a.pass(ctx, f.clock.Now())
	if got := f.remoteFiles(t); len(got) != 0 {
		t.Fatalf("uploaded %v with aggregation off", got)
	}
	f.clock.Advance(time.Hour)
	if n := f.a.deleter.DeleteDue(); n != 1 {
		t.Fatalf("deleted %d paths after the retention time, want 1", n)
	}
}

// TestLogAggregatorRun: Run uploads a finished application soon after it
// is reported, without waiting for the next tick.
func TestLogAggregatorRun(t *testing.T) {
	f := newAggFixture(t, true)
	f.a.cfg.PollInterval = time.Hour
	f.writeLog(t, 0, testContainer, "stdout", "out\n", f.clock.Now())
	f.setRunning(false)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.a.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	f.a.appsFinished([]string{testApp})
	deadline := time.Now().Add(10 * time.Second)
	for f.writesOf("/stdout") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("stdout not uploaded within 10 s of the app being reported finished")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAggregatedAppDir(t *testing.T) {
	tests := []struct {
		user, app, want string
		wantErr         bool
	}{
		{user: "alice", app: testApp, want: "/logs-root/alice/logs/" + testApp},
		{user: "", app: testApp, wantErr: true},
		{user: "..", app: testApp, wantErr: true},
		{user: "a/b", app: testApp, wantErr: true},
		{user: "alice", app: "../../etc", wantErr: true},
		{user: "alice", app: "application_1_x", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.user+"/"+tc.app, func(t *testing.T) {
			got, err := AggregatedAppDir("/logs-root", tc.user, tc.app)
			if tc.wantErr {
				if !errors.Is(err, errAggregatedPath) {
					t.Fatalf("AggregatedAppDir = %q, %v; want an errAggregatedPath", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("AggregatedAppDir = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestAggregatedNames(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 5, 7, time.FixedZone("CET", 3600))
	tests := []struct{ name, want string }{
		{"stdout", "stdout"},
		{"stdout.1", "stdout.20250301-110005.000000007"},
		{"stderr.10", "stderr.20250301-110005.000000007"},
		{"app.log.3", "app.log.20250301-110005.000000007"},
		{"spindle.log.2", "spindle.log.20250301-110005.000000007"},
		{"spindle.log", "spindle.log"},
		{"stdout.", "stdout."},
		{"stdout.1a", "stdout.1a"},
		{"notes.1", "notes.1"},
		{".1", ".1"},
	}
	for _, tc := range tests {
		if got := aggregatedName(tc.name, at); got != tc.want {
			t.Errorf("aggregatedName(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	for _, id := range []string{"127.0.0.1:4545", "node-1.example.com:8041"} {
		if got := nodeIDFromDir(AggregatedNodeDir(id)); got != id || strings.Contains(AggregatedNodeDir(id), ":") {
			t.Errorf("node %s → dir %s → %s", id, AggregatedNodeDir(id), got)
		}
	}
}

// TestListAggregatedLogs lists containers and their files, skipping what
// is not a container of the application and uploads in progress.
func TestListAggregatedLogs(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	store, err := dfs.NewFileStore("/")
	if err != nil {
		t.Fatal(err)
	}
	appDir, err := AggregatedAppDir(root, aggUser, testApp)
	if err != nil {
		t.Fatal(err)
	}
	other := "container_1700000000000_0008_01_000002"
	node1, node2 := AggregatedNodeDir("10.0.0.1:8041"), AggregatedNodeDir("10.0.0.2:8041")
	for p, content := range map[string]string{
		node1 + "/" + aggContainer2 + "/stdout":          "b",
		node1 + "/" + aggContainer2 + "/.stderr.123.tmp": "partial",
		node1 + "/" + testContainer + "/stderr":          "a",
		node1 + "/" + testContainer + "/app.log":         "aa",
		node1 + "/" + other + "/stdout":                  "not this app",
		node1 + "/not-a-container/stdout":                "junk",
		node2 + "/" + testContainer + "/x._COPYING_":     "partial",
		"stray-file": "junk",
	} {
		if err := store.WriteFile(ctx, appDir+"/"+p, []byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ListAggregatedLogs(ctx, store, appDir, testApp)
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		id, node string
		files    []string
	}
	var flat []entry
	for _, c := range got {
		e := entry{id: c.ContainerID, node: c.NodeID}
		for _, f := range c.Files {
			e.files = append(e.files, f.Name)
		}
		flat = append(flat, e)
	}
	want := []entry{
		{id: testContainer, node: "10.0.0.1:8041", files: []string{"app.log", "stderr"}},
		{id: testContainer, node: "10.0.0.2:8041"},
		{id: aggContainer2, node: "10.0.0.1:8041", files: []string{"stdout"}},
	}
	if !slices.EqualFunc(flat, want, func(a, b entry) bool {
		return a.id == b.id && a.node == b.node && slices.Equal(a.files, b.files)
	}) {
		t.Fatalf("listed %+v, want %+v", flat, want)
	}

	none, err := ListAggregatedLogs(ctx, store, root+"/nobody/logs/"+testApp, testApp)
	if err != nil || len(none) != 0 {
		t.Fatalf("missing app dir: %v, %v; want none and no error", none, err)
	}
}

func TestAggregatorConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     aggregatorConfig
		wantErr string
	}{
		{name: "file", cfg: aggregatorConfig{Enabled: true, RemoteDir: "file:///tmp/app-logs"}},
		{name: "hdfs", cfg: aggregatorConfig{Enabled: true, RemoteDir: "hdfs://nn:8020/app-logs"}},
		{name: "disabled without dir", cfg: aggregatorConfig{}},
		{name: "enabled without dir", cfg: aggregatorConfig{Enabled: true}, wantErr: "yarn.nodemanager.remote-app-log-dir is empty"},
		{name: "bare path", cfg: aggregatorConfig{Enabled: true, RemoteDir: "/tmp/app-logs"}, wantErr: "want a file:///… or hdfs://… URI"},
		{name: "s3", cfg: aggregatorConfig{Enabled: true, RemoteDir: "s3://bucket/logs"}, wantErr: "want a file:///… or hdfs://… URI"},
		{name: "negative retain", cfg: aggregatorConfig{Retain: -time.Second}, wantErr: "yarn.nodemanager.log.retain-seconds"},
		{name: "negative roll", cfg: aggregatorConfig{RollInterval: -time.Second}, wantErr: "roll-monitoring-interval-seconds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("validate() = %v, want an error with %q", err, tc.wantErr)
			}
		})
	}
}

// FuzzAggregatedName: whatever a log dir holds, its aggregated name is a
// plain file name, a rolled file keeps its base, and other names are kept.
func FuzzAggregatedName(f *testing.F) {
	for _, s := range []string{"stdout", "stdout.1", "app.log.12", "spindle.log.", "x.1", ".1", "stdout.١"} {
		f.Add(s, int64(1740830405123456789))
	}
	f.Fuzz(func(t *testing.T, name string, ns int64) {
		got := aggregatedName(name, time.Unix(0, ns))
		base, rolled := rolledLog(name)
		if !rolled {
			if got != name {
				t.Fatalf("aggregatedName(%q) = %q, want the name kept", name, got)
			}
			return
		}
		if !slices.Contains(rollingLogs, base) || !strings.HasPrefix(got, base+".") {
			t.Fatalf("aggregatedName(%q) = %q: base %q", name, got, base)
		}
		if err := checkLogFileName(got); err != nil {
			t.Fatalf("aggregatedName(%q) = %q: %v", name, got, err)
		}
	})
}

// TestLogAggregatorHDFS: with an hdfs:// remote dir the logs land in HDFS
// in the same layout, which ListAggregatedLogs reads back.
func TestLogAggregatorHDFS(t *testing.T) {
	hdfs := minihdfs.StartForTest(t, minihdfs.DefaultConfig())
	f := newAggFixture(t, true)
	f.a.cfg.RemoteDir = hdfs.URL() + "/app-logs"
	f.a.store = nil // opened from RemoteDir
	ctx := context.Background()
	rolledAt := time.Date(2025, 3, 1, 11, 0, 5, 0, time.UTC)
	f.writeLog(t, 0, testContainer, "stdout", "out\n", f.clock.Now())
	f.writeLog(t, 0, testContainer, "app.log.1", "rolled job line\n", rolledAt)
	f.setRunning(false)
	f.a.appsFinished([]string{testApp})
	f.a.pass(ctx, f.clock.Now())
	f.a.closeStore()
	if n := f.logs.FilterMessage("aggregate application logs").Len(); n != 0 {
		t.Fatalf("upload to HDFS failed: %v", f.logs.FilterMessage("aggregate application logs").All()[0].ContextMap())
	}

	store, root, err := dfs.Open(ctx, hdfs.URL()+"/app-logs")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	appDir, err := AggregatedAppDir(root, aggUser, testApp)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ListAggregatedLogs(ctx, store, appDir, testApp)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ContainerID != testContainer || got[0].NodeID != aggNode || len(got[0].Files) != 2 {
		t.Fatalf("listed %+v, want %s on %s with 2 files", got, testContainer, aggNode)
	}
	want := map[string]string{"app.log.20250301-110005.000000000": "rolled job line\n", "stdout": "out\n"}
	for _, fi := range got[0].Files {
		raw, err := store.ReadFile(ctx, fi.Path)
		if err != nil || string(raw) != want[fi.Name] {
			t.Errorf("%s: %q, %v; want %q", fi.Name, raw, err, want[fi.Name])
		}
	}
}
