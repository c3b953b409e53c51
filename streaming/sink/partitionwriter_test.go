package sink

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/sdk"
)

// TestKafkaPartitionWriterNamesChunks: a task's chunks are written with
// their chunk in the OutputID; chunk 0's messages look as an unchunked
// write's do, and a replay of the chunks writes equal OutputIDs, which the
// Deduplicator recognises.
func TestKafkaPartitionWriterNamesChunks(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"out": 2, "out-deadletter": 1})
	s := newKafkaSink(t, b, b.SaramaConfig())
	batch := time.UnixMilli(1_700_000_000_000)
	ctx := context.Background()
	write := func() {
		w, err := s.OpenPartition(ctx, batch, "orders", 4, 0)
		if err != nil {
			t.Fatal(err)
		}
		for chunk, n := range []int{3, 2} {
			if err := w.WriteOutputs(ctx, chunk, outputs(n, "c")); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.WriteRejected(ctx, 1, []sdk.Rejected{{Record: sdk.Record{Topic: "orders", Partition: 4, Offset: 9}, Reason: "bad"}}); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	write()
	got := byID(t, b, "out")
	if len(got) != 5 {
		t.Fatalf("%d distinct OutputIDs, want 5: %v", len(got), got)
	}
	for _, id := range []OutputID{
		{BatchTimeMs: batch.UnixMilli(), Topic: "orders", Partition: 4, Chunk: 0, Index: 2, Count: 3},
		{BatchTimeMs: batch.UnixMilli(), Topic: "orders", Partition: 4, Chunk: 1, Index: 1, Count: 2},
	} {
		if len(got[id]) != 1 {
			t.Fatalf("%v: %d messages, want 1", id, len(got[id]))
		}
	}
	for _, m := range got[OutputID{BatchTimeMs: batch.UnixMilli(), Topic: "orders", Partition: 4, Index: 0, Count: 3}] {
		if _, ok := m.Headers[HeaderChunk]; ok {
			t.Fatalf("chunk 0's message carries %s: it must read as an unchunked write's", HeaderChunk)
		}
	}
	if dl := byID(t, b, "out-deadletter"); len(dl) != 1 {
		t.Fatalf("dead letters %v, want one in chunk 1", dl)
	}
	// A replay writes the same OutputIDs again: each is a duplicate.
	write()
	var d Deduplicator
	firsts := 0
	for _, m := range b.ReadAll(t, "out") {
		first, _, err := d.FirstMessage(&sarama.ConsumerMessage{Headers: headerSlice(m.Headers)})
		if err != nil {
			t.Fatal(err)
		}
		if first {
			firsts++
		}
	}
	if firsts != 5 || d.Duplicates() != 5 {
		t.Fatalf("%d first deliveries and %d duplicates, want 5 and 5", firsts, d.Duplicates())
	}
}

// TestFilePartitionWriterAppearsWhole: chunks stream into one file that
// appears only on Commit; an aborted writer leaves nothing, and the file
// an earlier attempt wrote stays until a commit replaces it.
func TestFilePartitionWriterAppearsWhole(t *testing.T) {
	store, err := dfs.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	fs := FileSink{Store: store, Dir: "/out"}
	ctx := context.Background()
	batch := time.UnixMilli(1_700_000_000_000)
	p := fs.PartitionPath(batch, "orders", 1)
	w, err := fs.OpenPartition(ctx, batch, "orders", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	for chunk := range 3 {
		if err := w.WriteOutputs(ctx, chunk, []sdk.Output{{Key: []byte("k"), Value: []byte{'a' + byte(chunk)}}}); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _ := store.Exists(ctx, p); ok {
		t.Fatalf("%s exists before the commit", p)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := store.ReadFile(ctx, p); err != nil || string(got) != "k\ta\nk\tb\nk\tc\n" {
		t.Fatalf("%s = %q, %v; want the three chunks' lines", p, got, err)
	}
	w, err = fs.OpenPartition(ctx, batch, "orders", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteOutputs(ctx, 0, []sdk.Output{{Value: []byte("half")}}); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if got, err := store.ReadFile(ctx, p); err != nil || string(got) != "k\ta\nk\tb\nk\tc\n" {
		t.Fatalf("after an abort %s = %q, %v; want the committed file unchanged", p, got, err)
	}
	entries, err := store.List(ctx, "/out/batch=1700000000000")
	if err != nil && !errors.Is(err, dfs.ErrNotFound) {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("after an abort the batch dir holds %v, want only the committed file", entries)
	}
}
