package driver

import (
	"fmt"
	"strconv"

	"github.com/spindlehq/spindle/hdfscheckpoint"
)

// KeyMaxRecordsInFlight bounds the records one task holds at once. An
// executor reads, processes and writes a task's range in chunks of a
// quarter of it (executor.ChunksInFlight chunks overlap), so its memory
// grows with its cores, not with the batch.
const KeyMaxRecordsInFlight = "spindle.task.maxRecordsInFlight"

// DefaultMaxRecordsInFlight keeps a task near 64 MB at the 1.9 KB an
// in-flight record of 100 bytes costs across reader, plugin and sink, so
// that a 1 GB executor with 4 cores drains a backlog of any size.
const DefaultMaxRecordsInFlight = 32768

// chunksInFlight is executor.ChunksInFlight (the driver does not import
// the executor).
const chunksInFlight = 4

// metaChunkOffsets records a batch's chunk size in its offsets entry, so
// that a replay cuts the same chunks and the Kafka sink writes the same
// OutputIDs.
const metaChunkOffsets = "chunkOffsets"

// ChunkOffsets returns the chunk size, in offsets, that
// spindle.task.maxRecordsInFlight in conf gives.
func ChunkOffsets(conf map[string]string) (int64, error) {
	n := int64(DefaultMaxRecordsInFlight)
	if v, ok := conf[KeyMaxRecordsInFlight]; ok && v != "" {
		var err error
		if n, err = strconv.ParseInt(v, 10, 64); err != nil || n < chunksInFlight {
			return 0, fmt.Errorf("driver: %s = %q: want a whole number of at least %d", KeyMaxRecordsInFlight, v, chunksInFlight)
		}
	}
	return (n + chunksInFlight - 1) / chunksInFlight, nil
}

// metaOffsets reads a size (metaChunkOffsets, metaSplitOffsets) from a
// batch's offsets entry's meta; a batch recorded without it has 0: each
// range one chunk, or no range split.
func metaOffsets(meta map[string]string, key string) (int64, error) {
	v, ok := meta[key]
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("driver: offsets entry has %s = %q: want a whole number", key, v)
	}
	return n, nil
}

// KeyMinPartitions is the least number of tasks a batch is cut into, as
// Structured Streaming's minPartitions for Kafka: when a batch has fewer
// ranges with records, the largest are split, at chunk boundaries, so that
// every core has a task. 0 (the default) means the executors' cores at the
// time the batch is planned; 1 never splits.
const KeyMinPartitions = "spindle.kafka.minPartitions"

// metaSplitOffsets records the size, in offsets, of the parts a batch's
// ranges were split into, so that a replay splits them the same way and
// the file sink writes the same files.
const metaSplitOffsets = "splitOffsets"

// MinPartitions reads spindle.kafka.minPartitions from conf.
func MinPartitions(conf map[string]string) (int, error) {
	v, ok := conf[KeyMinPartitions]
	if !ok || v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("driver: %s = %q: want a whole number, 0 for the executors' cores", KeyMinPartitions, v)
	}
	return n, nil
}

// taskRange is one task's part of a batch's range of a partition.
type taskRange struct {
	hdfscheckpoint.OffsetRange
	// base is the position of the part's first chunk among the
	// partition's.
	base int
}

// splitSize picks the size of the parts a new batch's ranges are cut into
// so that there are about want tasks: a multiple of chunk, or 0 for no
// split (enough ranges already, or none worth cutting).
func splitSize(ranges []hdfscheckpoint.OffsetRange, chunk int64, want int) int64 {
	nonEmpty, largest := 0, int64(0)
	for _, r := range ranges {
		if n := r.Until - r.From; n > 0 {
			nonEmpty++
			largest = max(largest, n)
		}
	}
	if chunk <= 0 || nonEmpty == 0 || want <= nonEmpty {
		return 0
	}
	parts := int64((want + nonEmpty - 1) / nonEmpty)
	size := (largest + parts - 1) / parts
	size = (size + chunk - 1) / chunk * chunk
	if size >= largest {
		return 0
	}
	return size
}

// splitRanges cuts each range longer than size into parts of size offsets
// (the last one shorter); size 0 keeps every range whole. Empty ranges
// are left out.
func splitRanges(ranges []hdfscheckpoint.OffsetRange, chunk, size int64) []taskRange {
	var out []taskRange
	for _, r := range ranges {
		if r.Until <= r.From {
			continue
		}
		if size <= 0 || chunk <= 0 || r.Until-r.From <= size {
			out = append(out, taskRange{OffsetRange: r})
			continue
		}
		for from := r.From; from < r.Until; from += size {
			part := r
			part.From, part.Until = from, min(from+size, r.Until)
			out = append(out, taskRange{OffsetRange: part, base: int((from - r.From) / chunk)})
		}
	}
	return out
}
