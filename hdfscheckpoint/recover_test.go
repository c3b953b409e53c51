package hdfscheckpoint

import (
	"context"
	"errors"
	"path"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"
)

// damage overwrites the entry at p with a truncated copy of itself.
func damage(t *testing.T, s Store, p string) {
	t.Helper()
	ctx := context.Background()
	data, err := s.ReadFile(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile(ctx, p, data[:len(data)/2]); err != nil {
		t.Fatal(err)
	}
}

func statePath(l *Log, i int) string {
	return path.Join(l.stateDir(batchAt(i).UnixMilli()), AllPartitionsState)
}

// TestRecoverResumesAroundDamagedEntries: for every kind of entry damaged
// where it matters, Recover resumes from a batch whose offsets, commit and
// state are readable and runs every later batch again, never taking
// positions from a batch whose offsets it cannot read.
func TestRecoverResumesAroundDamagedEntries(t *testing.T) {
	cases := []struct {
		name      string
		committed int // batches 1..committed are committed
		pending   bool
		damage    func(l *Log) []string
		// want: the resume point, the pending batch, the replays.
		wantCommitted, wantPending int
		wantReplay                 string
	}{
		{"offsets of a committed batch with one pending after it", 3, true,
			func(l *Log) []string { return []string{l.offsetsPath(batchAt(3).UnixMilli())} }, 2, 4, "3r*,4"},
		{"offsets of the newest commit", 3, false,
			func(l *Log) []string { return []string{l.offsetsPath(batchAt(3).UnixMilli())} }, 2, 0, "3L*"},
		{"offsets and commit of the newest batch", 3, false,
			func(l *Log) []string {
				return []string{l.commitPath(batchAt(3).UnixMilli()), l.offsetsPath(batchAt(3).UnixMilli())}
			}, 2, 0, "3L"},
		{"state of the two newest commits", 4, false,
			func(l *Log) []string { return []string{statePath(l, 4), statePath(l, 3)} }, 2, 0, "3*,4*"},
		{"state of the newest commit, offsets of the one before", 4, false,
			func(l *Log) []string { return []string{statePath(l, 4), l.offsetsPath(batchAt(3).UnixMilli())} }, 2, 0, "3r*,4*"},
		{"an old offsets entry", 4, true,
			func(l *Log) []string { return []string{l.offsetsPath(batchAt(1).UnixMilli())} }, 4, 5, "5"},
		{"an old commit and state", 4, false,
			func(l *Log) []string { return []string{l.commitPath(batchAt(2).UnixMilli()), statePath(l, 1)} }, 4, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, s, _ := newTestLog(t, 0)
			for i := 1; i <= tc.committed; i++ {
				runBatch(t, l, i, true)
			}
			if tc.pending {
				runBatch(t, l, tc.committed+1, false)
			}
			for _, p := range tc.damage(l) {
				damage(t, s, p)
			}
			checkRecovery(t, mustRecover(t, l), tc.wantCommitted, tc.wantPending, tc.wantReplay)
		})
	}
}

// TestRecoverNeedsTheStateOfItsResumePoint: a driver snapshots every batch
// with state or new values, so a committed batch whose snapshot is missing,
// after a batch whose snapshot is not empty, lost it and is not resumed
// from; after an empty one it has an empty state; batches before the first
// snapshot need none.
func TestRecoverNeedsTheStateOfItsResumePoint(t *testing.T) {
	ctx := context.Background()
	t.Run("snapshot missing", func(t *testing.T) {
		l, s, _ := newTestLog(t, 0)
		for i := 1; i <= 3; i++ {
			runBatch(t, l, i, true)
		}
		if err := s.Delete(ctx, l.stateDir(batchAt(3).UnixMilli())); err != nil {
			t.Fatal(err)
		}
		rec := mustRecover(t, l.WithEmptyState(func(b []byte) bool { return len(b) == 0 }))
		checkRecovery(t, rec, 2, 0, "3*")
		if len(rec.Damaged) != 1 || !errors.Is(rec.Damaged[0].Err, ErrNotFound) || rec.Damaged[0].Path != statePath(l, 3) {
			t.Fatalf("Damaged = %+v, want the missing snapshot of batch 3", rec.Damaged)
		}
	})
	t.Run("no snapshot after an empty one", func(t *testing.T) {
		l, s, _ := newTestLog(t, 0)
		for i := 1; i <= 3; i++ {
			runBatch(t, l, i, true)
		}
		if err := l.WriteState(ctx, batchAt(1), AllPartitionsState, []byte("{}")); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{2, 3} {
			if err := s.Delete(ctx, l.stateDir(batchAt(i).UnixMilli())); err != nil {
				t.Fatal(err)
			}
		}
		empty := func(b []byte) bool { return string(b) == "{}" }
		rec := mustRecover(t, l.WithEmptyState(empty))
		if rec.LastCommitted == nil || !rec.LastCommitted.BatchTime.Equal(batchAt(3)) || string(rec.State) != "{}" || len(rec.Replay) != 0 {
			t.Fatalf("Recover = %+v; want batch 3 with batch 1's empty state", rec)
		}
		// A Log that cannot tell an empty snapshot resumes from batch 1.
		rec = mustRecover(t, l)
		if rec.LastCommitted == nil || !rec.LastCommitted.BatchTime.Equal(batchAt(1)) || replaySummary(t, rec) != "2*,3*" {
			t.Fatalf("Recover without WithEmptyState = %+v; want batch 1, then 2 and 3 again", rec)
		}
	})
	t.Run("state directory without a snapshot", func(t *testing.T) {
		l, s, _ := newTestLog(t, 0)
		for i := 1; i <= 3; i++ {
			runBatch(t, l, i, true)
		}
		if err := s.Delete(ctx, statePath(l, 3)); err != nil {
			t.Fatal(err)
		}
		mustWriteFile(t, s, path.Join(l.stateDir(batchAt(3).UnixMilli()), ".all.1234.tmp"), "torn")
		checkRecovery(t, mustRecover(t, l), 2, 0, "3*")
	})
	t.Run("a damaged partition snapshot", func(t *testing.T) {
		l, s, _ := newTestLog(t, 0)
		for i := 1; i <= 3; i++ {
			runBatch(t, l, i, true)
			if err := l.WriteState(ctx, batchAt(i), "7", []byte("partition 7")); err != nil {
				t.Fatal(err)
			}
		}
		damage(t, s, path.Join(l.stateDir(batchAt(3).UnixMilli()), "7"))
		checkRecovery(t, mustRecover(t, l), 2, 0, "3*")
	})
	t.Run("no snapshot before the first stateful batch", func(t *testing.T) {
		l, s, _ := newTestLog(t, 0)
		for i := 1; i <= 2; i++ {
			runBatch(t, l, i, true)
			if err := s.Delete(ctx, l.stateDir(batchAt(i).UnixMilli())); err != nil {
				t.Fatal(err)
			}
		}
		runBatch(t, l, 3, false) // the first snapshot, not committed
		rec := mustRecover(t, l)
		if rec.LastCommitted == nil || !rec.LastCommitted.BatchTime.Equal(batchAt(2)) || rec.State != nil {
			t.Fatalf("Recover = %+v; want batch 2 without state", rec)
		}
		if got := replaySummary(t, rec); got != "3" {
			t.Fatalf("Replay = %s, want 3", got)
		}
	})
}

// TestRecoverRefusesWhatItCannotRebuild: when the batches it would have to
// run again cannot be rebuilt, Recover refuses with a RecoveryError that
// names the damaged files and the way out, and never resumes from
// spindle.kafka.auto.offset.reset.
func TestRecoverRefusesWhatItCannotRebuild(t *testing.T) {
	cases := []struct {
		name        string
		setup       func(t *testing.T, l *Log, s Store) []string // returns the damaged entries
		resumeAfter int
		fragments   []string
	}{
		{"offsets of the two newest batches", func(t *testing.T, l *Log, s Store) []string {
			for i := 1; i <= 4; i++ {
				runBatch(t, l, i, true)
			}
			ps := []string{l.offsetsPath(batchAt(3).UnixMilli()), l.offsetsPath(batchAt(4).UnixMilli())}
			for _, p := range ps {
				damage(t, s, p)
			}
			return ps
		}, 2, []string{"where batch " + strconv.FormatInt(batchAt(3).UnixMilli(), 10) + " ended is unknown"}},
		{"the only commit's offsets", func(t *testing.T, l *Log, s Store) []string {
			runBatch(t, l, 1, true)
			p := l.offsetsPath(batchAt(1).UnixMilli())
			damage(t, s, p)
			return []string{p}
		}, 0, []string{"no committed batch can be resumed from", "move the checkpoint directory aside"}},
		{"the first batch, never committed", func(t *testing.T, l *Log, s Store) []string {
			runBatch(t, l, 1, false)
			p := l.offsetsPath(batchAt(1).UnixMilli())
			damage(t, s, p)
			return []string{p}
		}, 0, []string{"oldest this checkpoint holds", "where it started reading is unknown"}},
		{"partitions added around the damaged batch", func(t *testing.T, l *Log, s Store) []string {
			for i := 1; i <= 3; i++ {
				runBatch(t, l, i, true)
			}
			o := offsetsFor(4)
			o.Ranges = append(o.Ranges, OffsetRange{Topic: "clicks", Partition: 2, From: 0, Until: 10})
			if err := l.WriteOffsets(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			p := l.offsetsPath(batchAt(3).UnixMilli())
			damage(t, s, p)
			return []string{p}
		}, 2, []string{"read 2 and 3 partitions", "cannot be rebuilt"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, s, logs := newTestLog(t, 0)
			l = l.WithURI("hdfs://nn:8020" + testCheckpointDir)
			ps := tc.setup(t, l, s)
			_, err := l.Recover(context.Background())
			var re *RecoveryError
			if !errors.As(err, &re) || !errors.Is(err, ErrDamagedCheckpoint) {
				t.Fatalf("Recover = %v, want a RecoveryError", err)
			}
			msg := err.Error()
			for _, f := range append(tc.fragments, "`spindle checkpoint -verify hdfs://nn:8020"+testCheckpointDir+"`") {
				if !strings.Contains(msg, f) {
					t.Errorf("refusal %q does not say %q", msg, f)
				}
			}
			for _, p := range ps {
				if !strings.Contains(msg, p) {
					t.Errorf("refusal %q does not name %s", msg, p)
				}
			}
			wantAfter := int64(-1)
			if tc.resumeAfter > 0 {
				wantAfter = batchAt(tc.resumeAfter).UnixMilli()
				way := "`spindle checkpoint -truncate-after " + strconv.FormatInt(wantAfter, 10) + " hdfs://nn:8020" + testCheckpointDir + "`"
				if !strings.Contains(msg, way) {
					t.Errorf("refusal %q does not give the way out %s", msg, way)
				}
			}
			if re.ResumeAfter != wantAfter {
				t.Errorf("ResumeAfter = %d, want %d", re.ResumeAfter, wantAfter)
			}
			if errs := logs.FilterMessage("cannot resume from the checkpoint").FilterLevelExact(zapcore.ErrorLevel).Len(); errs != 1 {
				t.Errorf("%d ERROR lines for the refusal, want 1", errs)
			}
		})
	}
}
