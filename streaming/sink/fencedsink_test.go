package sink

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs/dfstest"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/sdk"
)

// TestFileSinkForEpochRefusesOlderAttempts: once a newer attempt claimed
// the sink's directory, a task of the older one writes neither outputs
// nor dead letters, and what the newer one wrote stays.
func TestFileSinkForEpochRefusesOlderAttempts(t *testing.T) {
	ctx := context.Background()
	store := dfstest.NewFileStore(t)
	base := FileSink{Store: store, Dir: "/out"}
	a1 := ids.AttemptID{App: ids.ApplicationID{ClusterTimestamp: 1, Seq: 1}, Attempt: 1}
	a2 := a1
	a2.Attempt = 2
	bt := time.UnixMilli(5000)
	outs := func(v string) []sdk.Output { return []sdk.Output{{Value: []byte(v)}} }
	rejected := []sdk.Rejected{{Record: sdk.Record{Topic: "t", Value: []byte("bad")}, Reason: "r"}}

	if _, err := hdfscheckpoint.Claim(ctx, store, "/out", a1, nil); err != nil {
		t.Fatal(err)
	}
	old, err := base.ForEpoch(a1.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := old.WritePartition(ctx, bt, "t", 0, outs("first")); err != nil {
		t.Fatalf("write of the attempt holding the sink: %v", err)
	}
	if _, err := hdfscheckpoint.Claim(ctx, store, "/out", a2, nil); err != nil {
		t.Fatal(err)
	}
	newer, err := base.ForEpoch(a2.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := newer.WritePartition(ctx, bt, "t", 0, outs("second")); err != nil {
		t.Fatal(err)
	}
	if err := old.WritePartition(ctx, bt, "t", 0, outs("zombie")); !errors.Is(err, hdfscheckpoint.ErrFenced) {
		t.Fatalf("write of the older attempt: %v, want ErrFenced", err)
	}
	if err := old.WriteRejected(ctx, bt, "t", 1, rejected); !errors.Is(err, hdfscheckpoint.ErrFenced) {
		t.Fatalf("dead letters of the older attempt: %v, want ErrFenced", err)
	}
	// A task's streamed writes: the newer attempt's land, the older's not.
	stream := func(s FileSink, partition int32, v string) error {
		w, err := s.OpenPartition(ctx, bt, "t", partition, 0)
		if err != nil {
			return err
		}
		if err := w.WriteOutputs(ctx, 0, outs(v)); err != nil {
			w.Abort()
			return err
		}
		if err := w.WriteRejected(ctx, 0, rejected); err != nil {
			w.Abort()
			return err
		}
		return w.Commit(ctx)
	}
	if err := stream(newer, 2, "streamed"); err != nil {
		t.Fatalf("streamed write of the newer attempt: %v", err)
	}
	if err := stream(old, 3, "zombie"); !errors.Is(err, hdfscheckpoint.ErrFenced) {
		t.Fatalf("streamed write of the older attempt: %v, want ErrFenced", err)
	}
	if raw, err := os.ReadFile(filepath.Join(store.Root(), "out", "batch=5000", "part-t-2")); err != nil || string(raw) != "streamed\n" {
		t.Fatalf("part-t-2 holds %q (%v), want the newer attempt's streamed output", raw, err)
	}
	for _, p := range []string{filepath.Join("batch=5000", "part-t-3"), filepath.Join(DeadLetterDir, "batch=5000", "part-t-3")} {
		if _, err := os.Stat(filepath.Join(store.Root(), "out", p)); !os.IsNotExist(err) {
			t.Fatalf("the older attempt's streamed %s landed: %v", p, err)
		}
	}
	raw, err := os.ReadFile(filepath.Join(store.Root(), "out", "batch=5000", "part-t-0"))
	if err != nil || string(raw) != "second\n" {
		t.Fatalf("part-t-0 holds %q (%v), want the newer attempt's output", raw, err)
	}
	if _, err := os.Stat(filepath.Join(store.Root(), "out", DeadLetterDir, "batch=5000", "part-t-1")); !os.IsNotExist(err) {
		t.Fatalf("the older attempt's dead letters landed: %v", err)
	}
	if _, err := base.ForEpoch("attempt-1"); err == nil {
		t.Fatal("a malformed epoch was accepted")
	}
	if s, err := base.ForEpoch(""); err != nil || s.fence != nil {
		t.Fatalf("no epoch: %+v, %v; want the unfenced sink", s, err)
	}
}
