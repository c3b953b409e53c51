package hdfscheckpoint

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/ids"
	"go.uber.org/zap/zaptest"
)

func attempt(app, n int64) ids.AttemptID {
	return ids.AttemptID{App: ids.ApplicationID{ClusterTimestamp: 1700000000000, Seq: app}, Attempt: n}
}

func TestNewer(t *testing.T) {
	a1, a2 := attempt(1, 1), attempt(1, 2)
	b1 := attempt(2, 1)
	later := ids.AttemptID{App: ids.ApplicationID{ClusterTimestamp: 1800000000000, Seq: 1}, Attempt: 1}
	for _, tc := range []struct {
		a, b ids.AttemptID
		want bool
	}{
		{a2, a1, true}, {a1, a2, false}, {a1, a1, false},
		{b1, a2, true}, {a2, b1, false},
		{later, b1, true}, {b1, later, false},
	} {
		if got := Newer(tc.a, tc.b); got != tc.want {
			t.Errorf("Newer(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// fenceStores runs fn on a file:// and an hdfs:// store.
func fenceStores(t *testing.T, fn func(t *testing.T, s Store)) {
	t.Run("file", func(t *testing.T) { fn(t, newFileStore(t)) })
	t.Run("hdfs", func(t *testing.T) {
		c := startMiniHDFS(t, 0)
		fn(t, newTestHDFSStore(t, c.Addr(), nil))
	})
}

func TestFenceTakesOverFromOlderAttempts(t *testing.T) {
	fenceStores(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		lg := zaptest.NewLogger(t)
		old, err := Claim(ctx, s, "/ckpt", attempt(1, 1), lg)
		if err != nil {
			t.Fatal(err)
		}
		if err := old.WriteFile(ctx, "/ckpt/out/a", []byte("one")); err != nil {
			t.Fatalf("write of the only attempt: %v", err)
		}
		// An executor of the attempt writes through the same fence.
		exec1, err := Join(s, "/ckpt", attempt(1, 1), lg)
		if err != nil {
			t.Fatal(err)
		}
		if err := exec1.WriteFile(ctx, "/ckpt/out/b", []byte("one")); err != nil {
			t.Fatalf("write of the attempt's executor: %v", err)
		}

		if _, err := Claim(ctx, s, "/ckpt", attempt(1, 2), lg); err != nil {
			t.Fatal(err)
		}
		for _, f := range []*Fence{old, exec1} {
			err := f.WriteFile(ctx, "/ckpt/out/a", []byte("zombie"))
			if !errors.Is(err, ErrFenced) || !strings.Contains(err.Error(), attempt(1, 2).String()) {
				t.Fatalf("write of the older attempt after the newer claimed: %v, want ErrFenced naming %s", err, attempt(1, 2))
			}
			if err := f.Check(ctx); !errors.Is(err, ErrFenced) {
				t.Fatalf("Check of the older attempt: %v, want ErrFenced", err)
			}
		}
		if got := mustReadFile(t, s, "/ckpt/out/a"); got != "one" {
			t.Fatalf("out/a holds %q after a fenced write, want %q", got, "one")
		}
		// The older attempt, or an older application, cannot take back.
		for _, e := range []ids.AttemptID{attempt(1, 1), attempt(0, 9)} {
			if _, err := Claim(ctx, s, "/ckpt", e, lg); !errors.Is(err, ErrFenced) {
				t.Fatalf("claim of %s after %s: %v, want ErrFenced", e, attempt(1, 2), err)
			}
		}
		// A later application resumes from the same directory.
		next, err := Claim(ctx, s, "/ckpt", attempt(2, 1), lg)
		if err != nil {
			t.Fatal(err)
		}
		if err := next.WriteFile(ctx, "/ckpt/out/a", []byte("two")); err != nil {
			t.Fatal(err)
		}
		// Released at its clean end, the directory is free for any.
		if err := next.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := Claim(ctx, s, "/ckpt", attempt(0, 1), lg); err != nil {
			t.Fatalf("claim after a release: %v", err)
		}
		if got := mustReadFile(t, s, "/ckpt/out/a"); got != "two" {
			t.Fatalf("out/a holds %q, want %q", got, "two")
		}
	})
}

// TestFencedLogRefusesZombieCommits: a Log whose attempt was taken over
// writes no offsets, state or commit, and purges nothing; entries record
// the attempt that wrote them.
func TestFencedLogRefusesZombieCommits(t *testing.T) {
	fenceStores(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		lg := zaptest.NewLogger(t)
		base, err := NewLog(s, "/ckpt", 1, lg)
		if err != nil {
			t.Fatal(err)
		}
		f1, err := Claim(ctx, s, "/ckpt", attempt(1, 1), lg)
		if err != nil {
			t.Fatal(err)
		}
		zombie := base.WithFence(f1)
		t1, t2 := time.UnixMilli(1000).UTC(), time.UnixMilli(2000).UTC()
		if err := zombie.WriteOffsets(ctx, BatchOffsets{BatchTime: t1, Ranges: []OffsetRange{{Topic: "t", Partition: 0, From: 0, Until: 5}}}); err != nil {
			t.Fatal(err)
		}
		if err := zombie.WriteCommit(ctx, BatchCommit{BatchTime: t1}); err != nil {
			t.Fatal(err)
		}
		raw := mustReadFile(t, s, "/ckpt/commits/1000")
		if !strings.Contains(raw, `"epoch":"`+attempt(1, 1).String()+`"`) {
			t.Fatalf("commit entry %q does not name the attempt that wrote it", raw)
		}
		if _, err := Claim(ctx, s, "/ckpt", attempt(1, 2), lg); err != nil {
			t.Fatal(err)
		}
		for what, err := range map[string]error{
			"offsets": zombie.WriteOffsets(ctx, BatchOffsets{BatchTime: t2, Ranges: []OffsetRange{{Topic: "t", Partition: 0, From: 5, Until: 9}}}),
			"state":   zombie.WriteState(ctx, t2, AllPartitionsState, []byte("{}")),
			"commit":  zombie.WriteCommit(ctx, BatchCommit{BatchTime: t2}),
			"purge":   zombie.Purge(ctx),
		} {
			if !errors.Is(err, ErrFenced) {
				t.Errorf("%s of the zombie attempt: %v, want ErrFenced", what, err)
			}
		}
		rec, err := base.Recover(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rec.LastCommitted == nil || !rec.LastCommitted.BatchTime.Equal(t1) || len(rec.Replay) != 0 {
			t.Fatalf("recovered %+v: want batch 1000 committed and nothing of the zombie's batch 2000", rec)
		}
	})
}

// TestFenceRaceLosesNoWriteAndLetsNoneThrough races writers of an older
// attempt against the claim of a newer one: every write that reported
// success is in the directory when Claim returns, and nothing is added
// after it.
func TestFenceRaceLosesNoWriteAndLetsNoneThrough(t *testing.T) {
	fenceStores(t, func(t *testing.T, s Store) {
		rounds, writers := 20, 4
		if strings.HasSuffix(t.Name(), "hdfs") {
			rounds = 5
		}
		ctx := context.Background()
		lg := zaptest.NewLogger(t)
		for round := range rounds {
			dir := fmt.Sprintf("/r%d", round)
			if _, err := Claim(ctx, s, dir, attempt(1, 1), lg); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var landed []string
			var wg sync.WaitGroup
			started := make(chan struct{}, writers)
			claimed := make(chan struct{})
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					f, err := Join(s, dir, attempt(1, 1), lg)
					if err != nil {
						t.Error(err)
						return
					}
					after := 0 // successful writes seen after the claim returned
					for i := 0; ; i++ {
						select {
						case <-claimed:
							if after++; after > 20 {
								t.Errorf("writer %d still writes after the newer attempt claimed the directory", w)
								return
							}
						default:
						}
						name := fmt.Sprintf("w%d-%05d", w, i)
						err := f.WriteFile(ctx, dir+"/out/"+name, []byte(name))
						if errors.Is(err, ErrFenced) {
							return
						}
						if err != nil {
							t.Errorf("write %s: %v", name, err)
							return
						}
						mu.Lock()
						landed = append(landed, name)
						mu.Unlock()
						if i == 0 {
							started <- struct{}{}
						}
					}
				}()
			}
			for range writers {
				<-started
			}
			if _, err := Claim(ctx, s, dir, attempt(1, 2), lg); err != nil {
				t.Fatal(err)
			}
			atClaim := listNames(t, s, dir+"/out")
			close(claimed)
			wg.Wait()
			if after := listNames(t, s, dir+"/out"); !slices.Equal(after, atClaim) {
				t.Fatalf("round %d: %d files when the claim returned, %d after the older writers stopped: writes landed after the fence",
					round, len(atClaim), len(after))
			}
			// A write that reported success, even after the claim
			// returned, was renamed before the fence.
			for _, name := range landed {
				if _, ok := slices.BinarySearch(atClaim, name); !ok {
					t.Fatalf("round %d: %s reported written but was not there when the claim returned", round, name)
				}
			}
		}
	})
}
