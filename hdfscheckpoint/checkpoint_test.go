package hdfscheckpoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/conf"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const testCheckpointDir = "/checkpoints/sessionizer"

// batchBase is a batch time; batch i of a test is at batchBase + i seconds.
var batchBase = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func batchAt(i int) time.Time { return batchBase.Add(time.Duration(i) * time.Second) }

func newTestLog(t testing.TB, retain int) (*Log, Store, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	s := newFileStore(t)
	l, err := NewLog(s, testCheckpointDir, retain, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	return l, s, logs
}

func offsetsFor(i int) BatchOffsets {
	return BatchOffsets{
		BatchTime: batchAt(i),
		Ranges: []OffsetRange{
			{Topic: "clicks", Partition: 0, From: int64(i * 100), Until: int64(i*100 + 100)},
			{Topic: "clicks", Partition: 1, From: int64(i * 50), Until: int64(i*50 + 50)},
		},
		Meta: map[string]string{"batch": strconv.Itoa(i)},
	}
}

func commitFor(i int) BatchCommit {
	return BatchCommit{BatchTime: batchAt(i), Outputs: map[string]int64{"sessions": int64(i)}}
}

// runBatch records batch i the way a driver does: offsets, state, commit.
func runBatch(t testing.TB, l *Log, i int, commit bool) {
	t.Helper()
	ctx := context.Background()
	if err := l.WriteOffsets(ctx, offsetsFor(i)); err != nil {
		t.Fatal(err)
	}
	if err := l.WriteState(ctx, batchAt(i), AllPartitionsState, []byte("state after "+strconv.Itoa(i))); err != nil {
		t.Fatal(err)
	}
	if commit {
		if err := l.WriteCommit(ctx, commitFor(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func mustRecover(t *testing.T, l *Log) Recovery {
	t.Helper()
	rec, err := l.Recover(context.Background())
	if err != nil {
		t.Fatalf("Recover: %v", err)
	}
	return rec
}

func TestLogRoundTrip(t *testing.T) {
	ctx := context.Background()
	l, s, _ := newTestLog(t, 0)
	if l.RetainBatches() != DefaultRetainBatches || l.Dir() != testCheckpointDir {
		t.Fatalf("Log dir %q retain %d", l.Dir(), l.RetainBatches())
	}
	runBatch(t, l, 1, true)
	if err := l.WriteState(ctx, batchAt(1), "7", []byte{0, 0xff, '\n'}); err != nil {
		t.Fatal(err)
	}

	for _, p := range []string{"/offsets/", "/commits/", "/state/"} {
		want := strconv.FormatInt(batchAt(1).UnixMilli(), 10)
		if names := listNames(t, s, testCheckpointDir+p); strings.Join(names, ",") != want {
			t.Fatalf("%s holds %v, want [%s]", p, names, want)
		}
	}

	rec := mustRecover(t, l)
	want := commitFor(1)
	if rec.LastCommitted == nil || !rec.LastCommitted.BatchTime.Equal(want.BatchTime) || !reflect.DeepEqual(rec.LastCommitted.Outputs, want.Outputs) {
		t.Fatalf("LastCommitted = %+v, want %+v", rec.LastCommitted, want)
	}
	wantOffsets := offsetsFor(1)
	if got := rec.LastCommittedOffsets; got == nil || !got.BatchTime.Equal(wantOffsets.BatchTime) ||
		!reflect.DeepEqual(got.Ranges, wantOffsets.Ranges) || !reflect.DeepEqual(got.Meta, wantOffsets.Meta) {
		t.Fatalf("LastCommittedOffsets = %+v, want %+v", rec.LastCommittedOffsets, wantOffsets)
	}
	if rec.Pending != nil {
		t.Fatalf("Pending = %+v, want none", rec.Pending)
	}
	if wantNext := batchAt(1).Add(time.Millisecond); !rec.NextBatchTime.Equal(wantNext) {
		t.Fatalf("NextBatchTime = %v, want %v", rec.NextBatchTime, wantNext)
	}

	for name, want := range map[string][]byte{AllPartitionsState: []byte("state after 1"), "7": {0, 0xff, '\n'}} {
		got, err := l.ReadState(ctx, batchAt(1), name)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("ReadState(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
	names, err := l.StateNames(ctx, batchAt(1))
	if err != nil || strings.Join(names, ",") != "7,all" {
		t.Fatalf("StateNames = %v, %v; want [7 all]", names, err)
	}
	if _, err := l.ReadState(ctx, batchAt(2), AllPartitionsState); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ReadState of a missing snapshot = %v, want ErrNotFound", err)
	}
	if names, err := l.StateNames(ctx, batchAt(2)); err != nil || len(names) != 0 {
		t.Fatalf("StateNames of a batch without state = %v, %v", names, err)
	}
}

func TestLogEmptyState(t *testing.T) {
	ctx := context.Background()
	l, _, _ := newTestLog(t, 0)
	if err := l.WriteState(ctx, batchAt(1), "0", nil); err != nil {
		t.Fatal(err)
	}
	got, err := l.ReadState(ctx, batchAt(1), "0")
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("ReadState = %#v, %v; want an empty non-nil slice", got, err)
	}
}

func TestRecoverEmpty(t *testing.T) {
	l, _, _ := newTestLog(t, 0)
	rec := mustRecover(t, l)
	if rec.LastCommitted != nil || rec.LastCommittedOffsets != nil || rec.Pending != nil || !rec.NextBatchTime.IsZero() {
		t.Fatalf("Recover of an empty checkpoint = %+v", rec)
	}
}

func TestRecoverPendingBatch(t *testing.T) {
	cases := []struct {
		name          string
		committed     []int
		pending       []int
		wantCommitted int // 0: none
		wantPending   int // 0: none
	}{
		{"first batch never committed", nil, []int{1}, 0, 1},
		{"one pending after commits", []int{1, 2, 3}, []int{4}, 3, 4},
		{"all committed", []int{1, 2, 3}, nil, 3, 0},
		// Every uncommitted batch is replayed, oldest first.
		{"several uncommitted", []int{1}, []int{2, 3}, 1, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, _, _ := newTestLog(t, 0)
			for _, i := range tc.committed {
				runBatch(t, l, i, true)
			}
			for _, i := range tc.pending {
				runBatch(t, l, i, false)
			}
			rec := mustRecover(t, l)
			var replay []string
			for _, i := range tc.pending {
				replay = append(replay, strconv.Itoa(i))
			}
			checkRecovery(t, rec, tc.wantCommitted, tc.wantPending, strings.Join(replay, ","))
		})
	}
}

// checkRecovery asserts which batches Recover found; 0 means none. replay
// lists the batches to run again (see replaySummary).
func checkRecovery(t *testing.T, rec Recovery, committed, pending int, replay string) {
	t.Helper()
	switch {
	case committed == 0 && rec.LastCommitted != nil:
		t.Fatalf("LastCommitted = %v, want none", rec.LastCommitted.BatchTime)
	case committed != 0 && (rec.LastCommitted == nil || !rec.LastCommitted.BatchTime.Equal(batchAt(committed))):
		t.Fatalf("LastCommitted = %+v, want batch %d (%v)", rec.LastCommitted, committed, batchAt(committed))
	case committed != 0 && !reflect.DeepEqual(rec.LastCommitted.Outputs, commitFor(committed).Outputs):
		t.Fatalf("LastCommitted.Outputs = %v, want %v", rec.LastCommitted.Outputs, commitFor(committed).Outputs)
	case committed != 0 && !reflect.DeepEqual(rec.LastCommittedOffsets.Ranges, offsetsFor(committed).Ranges):
		t.Fatalf("LastCommittedOffsets = %+v, want batch %d's", rec.LastCommittedOffsets, committed)
	case committed != 0 && string(rec.State) != "state after "+strconv.Itoa(committed):
		t.Fatalf("State = %q, want batch %d's", rec.State, committed)
	}
	switch {
	case pending == 0 && rec.Pending != nil:
		t.Fatalf("Pending = %v, want none", rec.Pending.BatchTime)
	case pending != 0 && (rec.Pending == nil || !rec.Pending.BatchTime.Equal(batchAt(pending))):
		t.Fatalf("Pending = %+v, want batch %d", rec.Pending, pending)
	case pending != 0 && !reflect.DeepEqual(rec.Pending.Ranges, offsetsFor(pending).Ranges):
		t.Fatalf("Pending ranges = %+v, want the recorded %+v", rec.Pending.Ranges, offsetsFor(pending).Ranges)
	}
	if got := replaySummary(t, rec); got != replay {
		t.Fatalf("Replay = %s, want %s (%+v)", got, replay, rec.Replay)
	}
	newest := max(committed, pending)
	for _, b := range strings.Split(replay, ",") {
		if i, err := strconv.Atoi(strings.TrimRight(b, "*rL")); err == nil {
			newest = max(newest, i)
		}
	}
	var wantNext time.Time
	if newest != 0 {
		wantNext = batchAt(newest).Add(time.Millisecond)
	}
	if !rec.NextBatchTime.Equal(wantNext) {
		t.Fatalf("NextBatchTime = %v, want %v", rec.NextBatchTime, wantNext)
	}
}

// replaySummary writes rec.Replay as "2,3*,4L": each batch's index, then
// "r" for ReplayRebuilt or "L" for ReplayToLatest, then "*" when it is
// committed. A recorded replay must carry its batch's own ranges, a rebuilt
// one the ranges offsetsFor gives, and one to latest none.
func replaySummary(t *testing.T, rec Recovery) string {
	t.Helper()
	var parts []string
	for _, rb := range rec.Replay {
		i := int(rb.BatchTime.Sub(batchBase) / time.Second)
		s := strconv.Itoa(i)
		switch rb.How {
		case ReplayRecorded, ReplayRebuilt:
			if rb.How == ReplayRebuilt {
				s += "r"
			}
			if !reflect.DeepEqual(rb.Ranges, offsetsFor(i).Ranges) {
				t.Fatalf("replay of batch %d reads %+v, want %+v", i, rb.Ranges, offsetsFor(i).Ranges)
			}
		case ReplayToLatest:
			s += "L"
			if rb.Ranges != nil {
				t.Fatalf("replay of batch %d to the latest offsets has ranges %+v", i, rb.Ranges)
			}
		}
		if rb.Committed {
			s += "*"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ",")
}

func TestRecoverSkipsDamagedEntries(t *testing.T) {
	damages := []struct {
		name     string
		damage   func(t *testing.T, data []byte, i int) []byte
		fragment string
	}{
		{"truncated", func(_ *testing.T, d []byte, _ int) []byte { return d[:len(d)*2/3] }, "truncated"},
		{"torn to nothing", func(_ *testing.T, d []byte, _ int) []byte { return nil }, "empty file"},
		{"bit flip", func(_ *testing.T, d []byte, _ int) []byte {
			d = bytes.Clone(d)
			d[len(d)/2] ^= 0x10
			return d
		}, "checksum mismatch"},
		{"garbage", func(_ *testing.T, d []byte, _ int) []byte { return []byte("\x89PNG\r\n\x1a\n....") }, "bad version line"},
		{"newer version", func(_ *testing.T, d []byte, _ int) []byte {
			return withCRC("v2", `{"kind":"commit","batchTimeMs":1,"shape":"new"}`)
		}, "written by format v2, this build reads up to v1"},
		{"entry of another batch", func(t *testing.T, d []byte, i int) []byte {
			r, err := decodeEntry(d)
			if err != nil {
				t.Fatal(err)
			}
			r.BatchTimeMs = batchAt(i - 1).UnixMilli()
			return mustEncode(t, r)
		}, "records batch"},
	}
	targets := []struct {
		name          string
		file          func(l *Log) string
		wantCommitted int
		wantPending   int
		wantReplay    string
	}{
		// Batches 1-3 committed, 4 pending: damaging commit 3 makes 2 the last
		// committed; 3 and then 4 run again with their recorded ranges.
		{"newest commit", func(l *Log) string { return l.commitPath(batchAt(3).UnixMilli()) }, 2, 4, "3,4"},
		// With the pending offsets damaged, batch 4 runs again under its
		// own time up to the latest offsets, replacing what it wrote.
		{"pending offsets", func(l *Log) string { return l.offsetsPath(batchAt(4).UnixMilli()) }, 3, 0, "4L"},
		// A damaged state snapshot of the newest commit: resume from batch
		// 2's state and run batch 3 again, then 4.
		{"newest state", func(l *Log) string { return path.Join(l.stateDir(batchAt(3).UnixMilli()), AllPartitionsState) }, 2, 4, "3*,4"},
	}
	for _, tg := range targets {
		for _, dm := range damages {
			t.Run(tg.name+"/"+dm.name, func(t *testing.T) {
				ctx := context.Background()
				l, s, logs := newTestLog(t, 0)
				for i := 1; i <= 3; i++ {
					runBatch(t, l, i, true)
				}
				runBatch(t, l, 4, false)
				p := tg.file(l)
				data, err := s.ReadFile(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.WriteFile(ctx, p, dm.damage(t, data, batchIndex(t, p))); err != nil {
					t.Fatal(err)
				}

				rec := mustRecover(t, l)
				checkRecovery(t, rec, tg.wantCommitted, tg.wantPending, tg.wantReplay)
				if len(rec.Damaged) != 1 || rec.Damaged[0].Path != p || !strings.Contains(rec.Damaged[0].Err.Error(), dm.fragment) {
					t.Fatalf("Damaged = %+v, want %s (%s)", rec.Damaged, p, dm.fragment)
				}

				warns := logs.FilterMessage("skipping unreadable checkpoint entry").FilterLevelExact(zapcore.WarnLevel).All()
				if len(warns) != 1 {
					t.Fatalf("got %d WARNs about unreadable entries, want 1: %v", len(warns), logs.All())
				}
				fields := warns[0].ContextMap()
				if fields["path"] != p {
					t.Fatalf("WARN path = %v, want %s", fields["path"], p)
				}
				if msg, _ := fields["error"].(string); !strings.Contains(msg, dm.fragment) {
					t.Fatalf("WARN error = %q, want it to mention %q", fields["error"], dm.fragment)
				}
			})
		}
	}
}

// batchIndex returns i for the file of batch batchAt(i): offsets/<ms>,
// commits/<ms> or state/<ms>/<name>.
func batchIndex(t *testing.T, p string) int {
	t.Helper()
	if path.Base(path.Dir(p)) != offsetsDirName && path.Base(path.Dir(p)) != commitsDirName {
		p = path.Dir(p)
	}
	ms, err := strconv.ParseInt(path.Base(p), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return int(time.UnixMilli(ms).Sub(batchBase) / time.Second)
}

func TestRecoverSkipsSeveralDamagedEntries(t *testing.T) {
	ctx := context.Background()
	l, s, logs := newTestLog(t, 0)
	for i := 1; i <= 5; i++ {
		runBatch(t, l, i, true)
	}
	for _, i := range []int{4, 5} {
		if err := s.WriteFile(ctx, l.commitPath(batchAt(i).UnixMilli()), []byte("v1\n{")); err != nil {
			t.Fatal(err)
		}
	}
	rec := mustRecover(t, l)
	// Offsets 4 and 5 are intact, and newer than the last readable commit 3:
	// batches 4 and 5 are replayed, in order.
	checkRecovery(t, rec, 3, 5, "4,5")
	if n := logs.FilterMessage("skipping unreadable checkpoint entry").Len(); n != 2 {
		t.Fatalf("%d WARNs, want 2 (one per damaged commit)", n)
	}
}

// The newest commit's offsets entry cannot be read: its positions are not
// trusted to come from anywhere else, so batch 1 is the resume point and
// batch 2 runs again under its own time up to the latest offsets.
func TestRecoverReplaysCommittedBatchWithUnreadableOffsets(t *testing.T) {
	ctx := context.Background()
	l, s, logs := newTestLog(t, 0)
	runBatch(t, l, 1, true)
	runBatch(t, l, 2, true)
	p := l.offsetsPath(batchAt(2).UnixMilli())
	if err := s.WriteFile(ctx, p, []byte("junk")); err != nil {
		t.Fatal(err)
	}
	rec := mustRecover(t, l)
	checkRecovery(t, rec, 1, 0, "2L*")
	if rec.Replay[0].Damaged != p {
		t.Fatalf("replay names %q as damaged, want %s", rec.Replay[0].Damaged, p)
	}
	warns := logs.FilterMessage("skipping unreadable checkpoint entry").All()
	if len(warns) != 1 || warns[0].ContextMap()["path"] != p {
		t.Fatalf("WARNs = %v, want one naming %s", warns, p)
	}
}

func TestRecoverIgnoresForeignFiles(t *testing.T) {
	ctx := context.Background()
	l, s, logs := newTestLog(t, 0)
	runBatch(t, l, 1, true)
	for _, name := range []string{".123.tmp", "0" + strconv.FormatInt(batchAt(9).UnixMilli(), 10), "README", "-5"} {
		mustWriteFile(t, s, path.Join(testCheckpointDir, commitsDirName, name), "not an entry")
	}
	if err := s.MkdirAll(ctx, path.Join(testCheckpointDir, commitsDirName, strconv.FormatInt(batchAt(8).UnixMilli(), 10))); err != nil {
		t.Fatal(err)
	}
	checkRecovery(t, mustRecover(t, l), 1, 0, "")
	if n := logs.FilterLevelExact(zapcore.WarnLevel).Len(); n != 0 {
		t.Fatalf("%d WARNs for files that are not entries: %v", n, logs.All())
	}
}

// failingStore fails reads of one path with a store error.
type failingStore struct {
	Store
	path string
	err  error
}

func (f failingStore) ReadFile(ctx context.Context, p string) ([]byte, error) {
	if p == f.path {
		return nil, fmt.Errorf("read %s: %w", p, f.err)
	}
	return f.Store.ReadFile(ctx, p)
}

func TestRecoverFailsOnStoreErrors(t *testing.T) {
	l, s, _ := newTestLog(t, 0)
	runBatch(t, l, 1, true)
	runBatch(t, l, 2, true)
	boom := errors.New("datanode unreachable")
	for _, p := range []string{l.commitPath(batchAt(2).UnixMilli()), l.offsetsPath(batchAt(2).UnixMilli())} {
		t.Run(path.Base(path.Dir(p)), func(t *testing.T) {
			fl, err := NewLog(failingStore{Store: s, path: p, err: boom}, testCheckpointDir, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Falling back to batch 1 would repeat batch 2's output.
			if _, err := fl.Recover(context.Background()); !errors.Is(err, boom) {
				t.Fatalf("Recover = %v, want the store error", err)
			}
		})
	}
}

func TestPurge(t *testing.T) {
	ctx := context.Background()
	l, s, _ := newTestLog(t, 3)
	// Batch times with different digit counts: the logs must be ordered by
	// number, not by name.
	times := []int64{5, 50, 500, 5_000, 50_000, 500_000, 5_000_000}
	for i, ms := range times {
		tm := time.UnixMilli(ms)
		o := offsetsFor(i)
		o.BatchTime = tm
		if err := l.WriteOffsets(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := l.WriteState(ctx, tm, "0", []byte("s")); err != nil {
			t.Fatal(err)
		}
		if i < len(times)-1 { // the newest batch stays pending
			if err := l.WriteCommit(ctx, BatchCommit{BatchTime: tm}); err != nil {
				t.Fatal(err)
			}
		}
	}
	foreign := path.Join(testCheckpointDir, offsetsDirName, "notes")
	mustWriteFile(t, s, foreign, "kept")

	if err := l.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		offsetsDirName: "50000,500000,5000000,notes", // store order is by name
		commitsDirName: "5000,50000,500000",
		stateDirName:   "50000,500000,5000000",
	}
	for dir, w := range want {
		if got := strings.Join(listNames(t, s, path.Join(testCheckpointDir, dir)), ","); got != w {
			t.Errorf("%s after purge = %s, want %s", dir, got, w)
		}
	}
	rec := mustRecover(t, l)
	if rec.LastCommitted == nil || rec.LastCommitted.BatchTime.UnixMilli() != 500_000 ||
		rec.Pending == nil || rec.Pending.BatchTime.UnixMilli() != 5_000_000 {
		t.Fatalf("Recover after purge = %+v", rec)
	}
	// A second purge has nothing to do.
	if err := l.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(listNames(t, s, path.Join(testCheckpointDir, commitsDirName)), ","); got != want[commitsDirName] {
		t.Fatalf("second purge changed commits: %s", got)
	}
}

func TestPurgeEmptyCheckpoint(t *testing.T) {
	l, _, _ := newTestLog(t, 1)
	if err := l.Purge(context.Background()); err != nil {
		t.Fatalf("Purge of an empty checkpoint = %v", err)
	}
}

func TestLogRejectsInvalidInput(t *testing.T) {
	ctx := context.Background()
	l, s, _ := newTestLog(t, 0)
	cases := []struct {
		name     string
		run      func() error
		fragment string
	}{
		{"zero batch time", func() error { return l.WriteOffsets(ctx, BatchOffsets{}) }, "zero batch time"},
		{"batch before 1970", func() error { return l.WriteCommit(ctx, BatchCommit{BatchTime: time.Unix(-10, 0)}) }, "before 1970"},
		{"range without topic", func() error {
			return l.WriteOffsets(ctx, BatchOffsets{BatchTime: batchAt(1), Ranges: []OffsetRange{{Until: 1}}})
		}, "no topic"},
		{"backwards range", func() error {
			return l.WriteOffsets(ctx, BatchOffsets{BatchTime: batchAt(1), Ranges: []OffsetRange{{Topic: "t", From: 9, Until: 1}}})
		}, "bad range"},
		{"negative partition", func() error {
			return l.WriteOffsets(ctx, BatchOffsets{BatchTime: batchAt(1), Ranges: []OffsetRange{{Topic: "t", Partition: -1}}})
		}, "negative partition"},
		{"partition twice", func() error {
			return l.WriteOffsets(ctx, BatchOffsets{BatchTime: batchAt(1), Ranges: []OffsetRange{{Topic: "t"}, {Topic: "t"}}})
		}, "more than one range"},
		{"negative output", func() error {
			return l.WriteCommit(ctx, BatchCommit{BatchTime: batchAt(1), Outputs: map[string]int64{"s": -1}})
		}, "negative record count"},
		{"state name with slash", func() error { return l.WriteState(ctx, batchAt(1), "a/b", nil) }, "'/'"},
		{"state name with dots", func() error { return l.WriteState(ctx, batchAt(1), "..", nil) }, "starts with '.'"},
		{"empty state name", func() error { _, err := l.ReadState(ctx, batchAt(1), ""); return err }, "empty state name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if !errors.Is(err, ErrInvalidBatch) || !strings.Contains(err.Error(), tc.fragment) {
				t.Fatalf("error = %v, want ErrInvalidBatch mentioning %q", err, tc.fragment)
			}
		})
	}
	if ok, _ := s.Exists(ctx, testCheckpointDir); ok {
		t.Fatal("a rejected write created the checkpoint directory")
	}
}

func TestNewLogValidates(t *testing.T) {
	s := newFileStore(t)
	cases := []struct {
		name     string
		store    Store
		dir      string
		retain   int
		fragment string
	}{
		{"nil store", nil, "/c", 0, "nil store"},
		{"relative dir", s, "c", 0, "not absolute"},
		{"escaping dir", s, "/../c", 0, "escapes"},
		{"negative retain", s, "/c", -1, conf.KeyRetainBatches},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewLog(tc.store, tc.dir, tc.retain, nil)
			if err == nil || !strings.Contains(err.Error(), tc.fragment) {
				t.Fatalf("NewLog = %v, want an error mentioning %q", err, tc.fragment)
			}
		})
	}
}
