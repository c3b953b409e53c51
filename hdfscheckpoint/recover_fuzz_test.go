package hdfscheckpoint

import (
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs"
)

// FuzzRecover overwrites any of the entries of a checkpoint (batches 1-3
// committed, 4 pending: offsets, commits and state) with the fuzzer's bytes
// or cuts them short, and checks that Recover either refuses with a
// RecoveryError that gives the way out, or resumes without skipping: from
// a batch whose three entries read back, with every later batch in Replay,
// oldest first, each starting where the one before ended, and only the
// newest one run up to the latest offsets.
func FuzzRecover(f *testing.F) {
	f.Add(uint16(0), uint8(0), []byte(nil))
	f.Add(uint16(1<<2), uint8(0), []byte("junk"))      // the newest commit's offsets
	f.Add(uint16(1<<2|1<<3), uint8(0), []byte("v1\n")) // those and the pending offsets
	f.Add(uint16(1<<6), uint8(30), []byte(nil))        // the newest commit's state, cut short
	f.Add(uint16(1<<10), uint8(0), []byte{0xff})       // the newest commit
	f.Add(uint16(0xfff), uint8(0), []byte{})
	// The checkpoint is written once; each run copies it without the
	// store's fsyncs, which would dominate.
	tmpl := newFileStore(f)
	tl, err := NewLog(tmpl, testCheckpointDir, 0, nil)
	if err != nil {
		f.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		runBatch(f, tl, i, true)
	}
	runBatch(f, tl, 4, false)
	f.Fuzz(func(t *testing.T, mask uint16, cut uint8, junk []byte) {
		ctx := context.Background()
		root := t.TempDir()
		if err := os.CopyFS(root, os.DirFS(tmpl.Root())); err != nil {
			t.Fatal(err)
		}
		s, err := dfs.NewFileStore(root)
		if err != nil {
			t.Fatal(err)
		}
		l, err := NewLog(s, testCheckpointDir, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Entry k: batch k%4+1; offsets for k<4, state for 4<=k<8, commit for k>=8.
		entry := func(k int) string {
			ms := batchAt(k%4 + 1).UnixMilli()
			switch k / 4 {
			case 0:
				return l.offsetsPath(ms)
			case 1:
				return path.Join(l.stateDir(ms), AllPartitionsState)
			}
			return l.commitPath(ms)
		}
		for k := 0; k < 12; k++ {
			if mask&(1<<k) == 0 || (k >= 8 && k%4 == 3) { // batch 4 has no commit
				continue
			}
			data, err := s.ReadFile(ctx, entry(k))
			if err != nil {
				t.Fatal(err)
			}
			if cut > 0 && int(cut) < len(data) {
				data = data[:cut]
			} else {
				data = junk
			}
			if err := os.WriteFile(filepath.Join(root, entry(k)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}

		rec, err := l.Recover(ctx)
		var re *RecoveryError
		if errors.As(err, &re) {
			if !strings.Contains(err.Error(), "spindle checkpoint -verify "+testCheckpointDir) {
				t.Fatalf("refusal without the way out: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Recover = %v, want a recovery or a RecoveryError", err)
		}
		next := map[partitionKey]int64{}
		after := time.Time{}
		if rec.LastCommitted != nil {
			after = rec.LastCommitted.BatchTime
			if _, err := l.readEntry(ctx, l.commitPath(after.UnixMilli()), kindCommit, after.UnixMilli()); err != nil {
				t.Fatalf("resumes after batch %v whose commit cannot be read: %v", after, err)
			}
			if _, err := l.readEntry(ctx, l.offsetsPath(after.UnixMilli()), kindOffsets, after.UnixMilli()); err != nil {
				t.Fatalf("resumes after batch %v whose offsets cannot be read: %v", after, err)
			}
			if _, err := l.ReadState(ctx, after, AllPartitionsState); err != nil {
				t.Fatalf("resumes after batch %v whose state cannot be read: %v", after, err)
			}
			next = rangeEnds(rec.LastCommittedOffsets.Ranges)
		}
		want := 4
		if !after.IsZero() {
			want = 4 - int(after.Sub(batchBase)/time.Second)
		}
		if len(rec.Replay) != want {
			t.Fatalf("resumes after %v and replays %d batches, want every later one (%d): %+v", after, len(rec.Replay), want, rec.Replay)
		}
		for i, rb := range rec.Replay {
			if !rb.BatchTime.After(after) {
				t.Fatalf("replay %d at %v is not after %v", i, rb.BatchTime, after)
			}
			after = rb.BatchTime
			if rb.How == ReplayToLatest {
				if i != len(rec.Replay)-1 {
					t.Fatalf("replay %d of %d runs to the latest offsets: %+v", i, len(rec.Replay), rec.Replay)
				}
				continue
			}
			for _, r := range rb.Ranges {
				if from, ok := next[partitionKey{r.Topic, r.Partition}]; ok && from != r.From {
					t.Fatalf("replay of %v starts %s-%d at %d, the batch before ended at %d", rb.BatchTime, r.Topic, r.Partition, r.From, from)
				}
			}
			next = rangeEnds(rb.Ranges)
		}
	})
}
