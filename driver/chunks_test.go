package driver_test

import (
	"context"
	"encoding/binary"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"go.uber.org/zap"
)

// TestEngineRecordsChunkSizeWithTheBatch: new batches' tasks get the
// configured chunk size and their offsets entries record it; a batch
// replayed after a restart keeps the size it was planned with, even when
// the configuration changed, so that the Kafka sink's OutputIDs repeat.
func TestEngineRecordsChunkSizeWithTheBatch(t *testing.T) {
	f := newFixture(t)
	produceSums(t, f.broker, 100, nil)
	_, batches := f.runEngine(t, 400, func(c *driver.EngineConfig) { c.ChunkOffsets = 64 })
	for _, b := range batches {
		if got, _ := launchedChunks.Load(b.Time.UnixMilli()); got != int64(64) {
			t.Fatalf("batch %v: tasks got chunk size %v, want 64", b.Time, got)
		}
	}
	log, err := hdfscheckpoint.NewLog(f.store, f.dir, 10, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := log.Recover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.LastCommittedOffsets.Meta["chunkOffsets"]; got != "64" {
		t.Fatalf("offsets entry meta chunkOffsets = %q, want 64", got)
	}
	// A batch planned with chunks of 7 offsets and not committed.
	produceSums(t, f.broker, 50, nil)
	var pending []hdfscheckpoint.OffsetRange
	for _, r := range rec.LastCommittedOffsets.Ranges {
		pending = append(pending, hdfscheckpoint.OffsetRange{Topic: r.Topic, Partition: r.Partition, From: r.Until, Until: r.Until + 50})
	}
	replayAt := rec.NextBatchTime.Add(time.Second)
	if err := log.WriteOffsets(context.Background(), hdfscheckpoint.BatchOffsets{BatchTime: replayAt, Ranges: pending, Meta: map[string]string{"chunkOffsets": "7"}}); err != nil {
		t.Fatal(err)
	}
	_, batches = f.runEngine(t, 200, func(c *driver.EngineConfig) { c.ChunkOffsets = 64 })
	if !batches[0].Replayed {
		t.Fatalf("first batch after restart %+v, want the pending batch replayed", batches[0])
	}
	if got, _ := launchedChunks.Load(replayAt.UnixMilli()); got != int64(7) {
		t.Fatalf("replayed batch's tasks got chunk size %v, want the recorded 7", got)
	}
}

// TestChunkOffsets: a quarter of spindle.task.maxRecordsInFlight, rounded
// up.
func TestChunkOffsets(t *testing.T) {
	for _, c := range []struct{ max, want int64 }{{32768, 8192}, {4, 1}, {10, 3}, {1000000, 250000}} {
		if got := driver.ChunkOffsets(c.max); got != c.want {
			t.Errorf("%s=%d: chunks of %d offsets, want %d", conf.KeyMaxRecordsInFlight, c.max, got, c.want)
		}
	}
}

// TestEngineSplitsRangesForIdleCores: a batch with fewer ranges than
// wanted tasks has its ranges split at chunk boundaries; every record is
// still counted once, and a replay splits as the batch was planned.
func TestEngineSplitsRangesForIdleCores(t *testing.T) {
	f := newFixture(t)
	want := map[string]uint64{}
	produceSums(t, f.broker, 100, want)
	state, batches := f.runEngine(t, 400, func(c *driver.EngineConfig) { c.ChunkOffsets, c.MinTasks = 10, 12 })
	for k, w := range want {
		if got, _ := binary.Uvarint(state[k]); got != w {
			t.Fatalf("state[%s] = %d, want %d", k, got, w)
		}
	}
	split := 0
	for _, b := range batches {
		if n, ok := launchedParts.Load(b.Time.UnixMilli()); ok {
			split += int(n.(*atomic.Int64).Load())
		}
	}
	if split == 0 {
		t.Fatalf("no batch of %v was split, though 12 tasks were wanted from 4 ranges", batches)
	}
	log, err := hdfscheckpoint.NewLog(f.store, f.dir, 10, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := log.Recover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// A pending batch planned with parts of 20 offsets (chunks of 10):
	// 50 records a partition make 3 parts, 2 of them past the first chunk.
	produceSums(t, f.broker, 50, want)
	var pending []hdfscheckpoint.OffsetRange
	for _, r := range rec.LastCommittedOffsets.Ranges {
		pending = append(pending, hdfscheckpoint.OffsetRange{Topic: r.Topic, Partition: r.Partition, From: r.Until, Until: r.Until + 50})
	}
	replayAt := rec.NextBatchTime.Add(time.Second)
	if err := log.WriteOffsets(context.Background(), hdfscheckpoint.BatchOffsets{BatchTime: replayAt, Ranges: pending,
		Meta: map[string]string{"chunkOffsets": "10", "splitOffsets": "20"}}); err != nil {
		t.Fatal(err)
	}
	state, batches = f.runEngine(t, 200, func(c *driver.EngineConfig) { c.ChunkOffsets, c.MinTasks = 10, 1 })
	if !batches[0].Replayed || batches[0].Records != 200 {
		t.Fatalf("first batch after restart %+v, want the pending batch replayed with its 200 records", batches[0])
	}
	if n, _ := launchedParts.Load(replayAt.UnixMilli()); n == nil || n.(*atomic.Int64).Load() != 8 {
		t.Fatalf("replayed batch launched %v split parts, want 8 (2 per partition)", n)
	}
	for k, w := range want {
		if got, _ := binary.Uvarint(state[k]); got != w {
			t.Fatalf("after the replay state[%s] = %d, want %d", k, got, w)
		}
	}
}
