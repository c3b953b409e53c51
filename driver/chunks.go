package driver

import (
	"fmt"
	"strconv"
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

// batchChunkOffsets reads a batch's chunk size from its offsets entry's
// meta; a batch recorded without one ran each range as one chunk.
func batchChunkOffsets(meta map[string]string) (int64, error) {
	v, ok := meta[metaChunkOffsets]
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("driver: offsets entry has %s = %q: want a whole number", metaChunkOffsets, v)
	}
	return n, nil
}
