package hdfscheckpoint

import (
	"context"
	"fmt"
)

// OffsetsAfter returns the offsets entries of the batches after afterMs up
// to uptoMs, oldest first: the lineage from which a driver writes again
// the map outputs that keyed state is rebuilt from after its last
// checkpoint. An entry that cannot be read is an error naming it.
func (l *Log) OffsetsAfter(ctx context.Context, afterMs, uptoMs int64) ([]BatchOffsets, error) {
	files, err := l.listBatches(ctx, offsetsDirName, false)
	if err != nil {
		return nil, err
	}
	var out []BatchOffsets
	for _, f := range files {
		if f.ms <= afterMs || f.ms > uptoMs {
			continue
		}
		r, err := l.readEntry(ctx, f.path, kindOffsets, f.ms)
		if err != nil {
			return nil, fmt.Errorf("the offsets of batch %d, from which keyed state is rebuilt: %w", f.ms, err)
		}
		out = append(out, r.batchOffsets())
	}
	return out, nil
}
