package driver_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/internal/testutil"
	"go.uber.org/zap"
)

// TestZombieEngineStopsAtTheFence runs an engine as attempt 1 and, while
// it runs, claims its checkpoint for attempt 2 as a new attempt would:
// attempt 1's next write fails with ErrFenced, it commits nothing more,
// and its commits name it.
func TestZombieEngineStopsAtTheFence(t *testing.T) {
	f := newFixture(t)
	produceSums(t, f.broker, 200, nil)
	ctx := context.Background()
	a1, _ := ids.ParseAttemptID("appattempt_1700000000000_0001_000001")
	a2, _ := ids.ParseAttemptID("appattempt_1700000000000_0001_000002")
	fence, err := hdfscheckpoint.Claim(ctx, f.store, f.dir, a1, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	var committed sync.WaitGroup
	committed.Add(1)
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		_, _, err := f.tryEngine(t, 1<<40, func(c *driver.EngineConfig) {
			c.Log = c.Log.WithFence(fence)
			c.Epoch = a1.String()
			next := c.OnBatch
			c.OnBatch = func(b driver.BatchInfo) {
				next(b)
				once.Do(committed.Done)
			}
		})
		done <- err
	}()
	committed.Wait()
	if _, err := hdfscheckpoint.Claim(ctx, f.store, f.dir, a2, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	claimed := len(testutil.BatchCommits(t, fsDir(f)))
	// More records, so that the zombie has a batch to commit.
	produceSums(t, f.broker, 100, nil)
	select {
	case err := <-done:
		if !errors.Is(err, driver.ErrFenced) {
			t.Fatalf("the zombie engine ended with %v, want ErrFenced", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the zombie engine still runs 30 s after a newer attempt claimed its checkpoint")
	}
	commits := testutil.BatchCommits(t, fsDir(f))
	if len(commits) != claimed {
		t.Fatalf("%d commits when the newer attempt claimed the checkpoint, %d after: the zombie committed", claimed, len(commits))
	}
	for _, c := range commits {
		if c.Epoch != a1.String() {
			t.Fatalf("commit of batch %d names attempt %q, want %s", c.BatchTimeMs, c.Epoch, a1)
		}
	}
}

// fsDir is the fixture's checkpoint directory on the local file system.
func fsDir(f fixture) string {
	return filepath.Join(f.store.(*dfs.FileStore).Root(), f.dir)
}
