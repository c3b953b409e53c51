package sink

import (
	"encoding/json"
	"fmt"
)

// markerVersion is the version of the batch marker's encoding.
const markerVersion = 1

// maxMarkerLen bounds the metadata a marker is read from; Kafka keeps at
// most offset.metadata.max.bytes (4096 by default) of it.
const maxMarkerLen = 4096

// batchMarker is what a transaction of the Kafka sink records about the
// batch-partition it committed, as the offset metadata of the source
// partition in the sink's consumer group (the committed offset itself is
// the end of the batch's range). A replay of the batch finds it and
// writes nothing.
type batchMarker struct {
	// BatchTimeMs is the batch time, Unix milliseconds.
	BatchTimeMs int64 `json:"batch"`
	// From is the first offset of the batch's range of the partition.
	From int64 `json:"from"`
}

// markerJSON is batchMarker's encoding, with its version.
type markerJSON struct {
	V int `json:"v"`
	batchMarker
}

// encode is the marker as offset metadata, e.g.
// {"v":1,"batch":1700000000000,"from":1200}.
func (m batchMarker) encode() string {
	b, _ := json.Marshal(markerJSON{V: markerVersion, batchMarker: m})
	return string(b)
}

// parseBatchMarker reads offset metadata that encode wrote.
func parseBatchMarker(s string) (batchMarker, error) {
	if len(s) > maxMarkerLen {
		return batchMarker{}, fmt.Errorf("sink: batch marker of %d bytes is longer than %d", len(s), maxMarkerLen)
	}
	var j markerJSON
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return batchMarker{}, fmt.Errorf("sink: batch marker %.64q: %w", s, err)
	}
	if j.V != markerVersion {
		return batchMarker{}, fmt.Errorf("sink: batch marker %.64q has version %d, want %d", s, j.V, markerVersion)
	}
	if j.BatchTimeMs <= 0 || j.From < 0 {
		return batchMarker{}, fmt.Errorf("sink: batch marker %.64q: the batch time must be positive and the offset not negative", s)
	}
	return j.batchMarker, nil
}
