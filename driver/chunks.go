package driver

import (
	"fmt"
	"strconv"

	"github.com/spindlehq/spindle/hdfscheckpoint"
)

// chunksInFlight is executor.ChunksInFlight (the driver does not import
// the executor).
const chunksInFlight = 4

// metaChunkOffsets records a batch's chunk size in its offsets entry, so
// that a replay cuts the same chunks and the Kafka sink writes the same
// OutputIDs.
const metaChunkOffsets = "chunkOffsets"

// ChunkOffsets returns the chunk size, in offsets, for
// spindle.task.maxRecordsInFlight = maxRecords: a quarter of it, rounded
// up, since an executor holds chunksInFlight chunks of a task at once.
func ChunkOffsets(maxRecords int64) int64 {
	return (max(maxRecords, chunksInFlight) + chunksInFlight - 1) / chunksInFlight
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

// metaSplitOffsets records the size, in offsets, of the parts a batch's
// ranges were split into, so that a replay splits them the same way and
// the file sink writes the same files.
const metaSplitOffsets = "splitOffsets"

// taskRange is one task's part of a batch's range of a partition.
type taskRange struct {
	hdfscheckpoint.OffsetRange
	// base is the position of the part's first chunk among the
	// partition's.
	base int
}

// partitionName is the range's partition, "topic-p": the locality key of
// its tasks.
func (tr taskRange) partitionName() string { return fmt.Sprintf("%s-%d", tr.Topic, tr.Partition) }

// taskID is the range's task: its partition, and for a later part of a
// split range the part's first chunk.
func (tr taskRange) taskID() string {
	if tr.base > 0 {
		return fmt.Sprintf("%s.%d", tr.partitionName(), tr.base)
	}
	return tr.partitionName()
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
