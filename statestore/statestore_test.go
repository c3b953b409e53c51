package statestore

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/spindlehq/spindle/dfs"
)

// TestPartitionVersions: an update is rolled back when it is not
// committed, and a batch that runs again starts from the version before
// it; an older version is gone.
func TestPartitionVersions(t *testing.T) {
	s := New()
	id := PartitionID{Stage: "s", Partition: 1}
	p := s.Lock(id)
	if err := p.Begin(0); err != nil {
		t.Fatal(err)
	}
	p.Set("a", []byte("1"))
	p.Set("b", []byte("2"))
	p.Commit(100)
	p.Unlock()

	p = s.Lock(id)
	p.Begin(100)
	p.Set("a", []byte("10"))
	p.Delete("b")
	p.Set("c", []byte{})
	p.Unlock() // not committed: rolled back
	p = s.Lock(id)
	if v, _ := p.Get("a"); string(v) != "1" || p.Version() != 100 || !slices.Equal(p.Keys(), []string{"a", "b"}) {
		t.Fatalf("after rollback: version %d, keys %v", p.Version(), p.Keys())
	}
	p.Begin(100)
	p.Set("a", []byte("10"))
	p.Delete("b")
	p.Set("c", []byte{})
	p.Commit(200)
	// Batch 200 runs again: from version 100.
	if err := p.Begin(100); err != nil {
		t.Fatal(err)
	}
	if v, ok := p.Get("b"); !ok || string(v) != "2" || len(p.Keys()) != 2 {
		t.Fatalf("batch 200 again: %v %v", v, p.Keys())
	}
	p.Set("a", []byte("11"))
	p.Commit(200)
	if err := p.Begin(0); !errors.Is(err, ErrNoVersion) {
		t.Fatalf("begin from a version long gone: %v", err)
	}
	if err := p.Begin(200); err != nil {
		t.Fatal(err)
	}
	p.Commit(300)
	p.Unlock()
	if n, keys, bytes := s.Stats(); n != 1 || keys != 2 || bytes != 5 {
		t.Fatalf("stats %d %d %d", n, keys, bytes)
	}
}

// TestCheckpointRoundTrip writes, reads and prunes checkpoints on a
// store, and refuses one of another partition or batch.
func TestCheckpointRoundTrip(t *testing.T) {
	ctx := context.Background()
	store, dir, err := dfs.Open(ctx, "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	id := PartitionID{Stage: "users", Partition: 2}
	data := map[string][]byte{"a": []byte("1"), "b": {}, "\xff": []byte("x\x00y")}
	for _, ms := range []int64{1000, 2000, 3000} {
		if _, err := Write(ctx, store, dir, id, ms, data); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Read(ctx, store, dir, id, 2000)
	if err != nil || !maps.EqualFunc(got, data, slices.Equal) {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := Decode(Encode(id, 1000, data), PartitionID{Stage: "users", Partition: 3}, 1000); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("another partition's: %v", err)
	}
	if err := Prune(ctx, store, dir, id, 2000); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(ctx, store, dir, id, 1000); !errors.Is(err, dfs.ErrNotFound) {
		t.Fatalf("pruned checkpoint: %v", err)
	}
	if _, err := Read(ctx, store, dir, id, 2000); err != nil {
		t.Fatal(err)
	}
	raw := Encode(id, 1000, data)
	raw[len(raw)/2] ^= 1
	if _, err := Decode(raw, id, 1000); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("flipped bit: %v", err)
	}
}

func TestRecordsRoundTrip(t *testing.T) {
	w := WindowRecord{Window: []byte("7"), LastEnd: 5000, Slices: []Slice{{4000, []byte("3")}, {5000, []byte{}}}}
	got, err := DecodeWindowRecord(w.Encode())
	if err != nil || string(got.Window) != "7" || got.LastEnd != 5000 || len(got.Slices) != 2 || got.Slices[1].Value == nil {
		t.Fatalf("%+v %v", got, err)
	}
	if got, _ := DecodeWindowRecord(WindowRecord{}.Encode()); got.Window != nil {
		t.Fatalf("no window: %+v", got)
	}
	tr, err := DecodeTimedRecord(TimedRecord{State: nil, LastActive: -3}.Encode())
	if err != nil || tr.LastActive != -3 || tr.State == nil {
		t.Fatalf("%+v %v", tr, err)
	}
}
