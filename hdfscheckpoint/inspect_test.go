package hdfscheckpoint

import (
	"bytes"
	"context"
	"errors"
	"path"
	"strconv"
	"testing"
	"time"
)

// TestInspectListsEveryEntry: Inspect reports each batch's entries with
// whether they can be read, lists the damaged ones, and says what a start
// would do, which is what Recover does.
func TestInspectListsEveryEntry(t *testing.T) {
	ctx := context.Background()
	l, s, _ := newTestLog(t, 0)
	for i := 1; i <= 4; i++ {
		runBatch(t, l, i, true)
	}
	runBatch(t, l, 5, false)
	damage(t, s, l.commitPath(batchAt(3).UnixMilli()))
	damage(t, s, l.offsetsPath(batchAt(4).UnixMilli()))
	if err := s.WriteFile(ctx, statePath(l, 1), withCRC("v9", "{}")); err != nil {
		t.Fatal(err)
	}

	in, err := l.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if in.Checkpoint != testCheckpointDir || len(in.Batches) != 5 {
		t.Fatalf("Inspect = %s with %d batches, want %s with 5", in.Checkpoint, len(in.Batches), testCheckpointDir)
	}
	word := func(e EntryStatus) string {
		switch {
		case e.Path == "":
			return "-"
		case e.Err == nil:
			return "ok"
		case errors.Is(e.Err, ErrNewerFormat):
			return "newer"
		case errors.Is(e.Err, ErrCorruptEntry):
			return "corrupt"
		}
		return e.Err.Error()
	}
	want := []string{"ok ok newer", "ok ok ok", "ok corrupt ok", "corrupt ok ok", "ok - ok"}
	for i, b := range in.Batches {
		if !b.BatchTime.Equal(batchAt(i+1)) || len(b.State) != 1 {
			t.Fatalf("batch %d: %+v", i+1, b)
		}
		if got := word(b.Offsets) + " " + word(b.Commit) + " " + word(b.State[0]); got != want[i] {
			t.Errorf("batch %d: offsets commit state = %s, want %s", i+1, got, want[i])
		}
	}
	damaged := in.Damaged()
	wantPaths := []string{statePath(l, 1), l.commitPath(batchAt(3).UnixMilli()), l.offsetsPath(batchAt(4).UnixMilli())}
	if len(damaged) != len(wantPaths) {
		t.Fatalf("Damaged = %+v, want %v", damaged, wantPaths)
	}
	for i, d := range damaged {
		if d.Path != wantPaths[i] {
			t.Errorf("Damaged[%d] = %s, want %s", i, d.Path, wantPaths[i])
		}
	}
	// Batch 2 is the newest whole batch; 3 runs again from its recorded
	// ranges, 4 from ranges rebuilt between 3 and 5, then 5. Batch 1's
	// damaged snapshot is not needed.
	if in.RecoverErr != nil {
		t.Fatalf("RecoverErr = %v", in.RecoverErr)
	}
	rec := mustRecover(t, l)
	if got, again := replaySummary(t, in.Recovery), replaySummary(t, rec); got != "3,4r*,5" || got != again {
		t.Fatalf("Inspect's replay %s, Recover's %s; want 3,4r*,5 from both", got, again)
	}
	if !in.Recovery.LastCommitted.BatchTime.Equal(batchAt(2)) {
		t.Fatalf("resumes after %v, want batch 2", in.Recovery.LastCommitted.BatchTime)
	}

	// A refusal is a finding, not an error.
	damage(t, s, l.offsetsPath(batchAt(5).UnixMilli()))
	in, err = l.Inspect(ctx)
	var re *RecoveryError
	if err != nil || !errors.As(in.RecoverErr, &re) || re.ResumeAfter != batchAt(3).UnixMilli() {
		t.Fatalf("Inspect of an unresumable checkpoint = %v, RecoverErr %v; want a refusal resuming after batch 3", err, in.RecoverErr)
	}
}

func TestTruncateAfterMovesLaterBatchesAside(t *testing.T) {
	ctx := context.Background()
	l, s, _ := newTestLog(t, 0)
	for i := 1; i <= 4; i++ {
		runBatch(t, l, i, true)
	}
	runBatch(t, l, 5, false)
	before := map[string][]byte{}
	for _, i := range []int{4, 5} {
		for _, p := range []string{l.offsetsPath(batchAt(i).UnixMilli()), l.commitPath(batchAt(i).UnixMilli()), statePath(l, i)} {
			if data, err := s.ReadFile(ctx, p); err == nil {
				before[p] = data
			}
		}
	}
	now := time.Date(2024, 7, 9, 11, 4, 5, 0, time.UTC)
	tr, err := l.TruncateAfter(ctx, batchAt(3).UnixMilli(), now)
	if err != nil {
		t.Fatal(err)
	}
	aside := path.Join(testCheckpointDir, AsideDirName, "20240709110405")
	if tr.Aside != aside || len(tr.Batches) != 2 || tr.Batches[0] != batchAt(4).UnixMilli() || tr.Batches[1] != batchAt(5).UnixMilli() {
		t.Fatalf("TruncateAfter = %+v, want batches 4 and 5 moved to %s", tr, aside)
	}
	if len(before) != 5 {
		t.Fatalf("read %d entries of batches 4 and 5, want 5", len(before))
	}
	for p, data := range before {
		rel := p[len(testCheckpointDir)+1:]
		moved, err := s.ReadFile(ctx, path.Join(aside, rel))
		if err != nil || !bytes.Equal(moved, data) {
			t.Errorf("%s moved aside: %q, %v; want it unchanged", rel, moved, err)
		}
		if ok, _ := s.Exists(ctx, p); ok {
			t.Errorf("%s still in the checkpoint", p)
		}
	}
	checkRecovery(t, mustRecover(t, l), 3, 0, "")

	if tr, err := l.TruncateAfter(ctx, batchAt(3).UnixMilli(), now); err != nil || len(tr.Batches) != 0 {
		t.Fatalf("truncating again after the newest batch = %+v, %v; want nothing moved", tr, err)
	}
	if _, err := l.TruncateAfter(ctx, batchAt(9).UnixMilli(), now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("TruncateAfter an unknown batch = %v, want ErrNotFound", err)
	}
	if _, err := l.TruncateAfter(ctx, batchAt(2).UnixMilli(), now); !errors.Is(err, ErrExists) {
		t.Fatalf("a second truncation in the same second = %v, want ErrExists", err)
	}
	if names := listNames(t, s, path.Join(testCheckpointDir, commitsDirName)); len(names) != 3 || names[2] != strconv.FormatInt(batchAt(3).UnixMilli(), 10) {
		t.Fatalf("commits after a refused truncation: %v", names)
	}
}
