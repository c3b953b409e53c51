package hdfscheckpoint

import (
	"context"
	"time"
)

// OffsetRange is the records [From, Until) of one Kafka topic partition that
// a batch reads.
type OffsetRange struct {
	// Topic is the Kafka topic.
	Topic string
	// Partition is the topic's partition.
	Partition int32
	// From is the first offset read.
	From int64
	// Until is one past the last offset read; the next batch starts here.
	Until int64
}

// BatchOffsets is what one batch reads, recorded before it runs so that a
// new attempt replays it with exactly the same ranges.
type BatchOffsets struct {
	// BatchTime identifies the batch; it is recorded to the millisecond.
	BatchTime time.Time
	// Ranges are the offsets the batch reads, at most one per partition.
	Ranges []OffsetRange
	// Meta carries anything else the driver needs to replay the batch.
	Meta map[string]string
}

// WriteOffsets records what batch o.BatchTime reads, replacing an earlier
// record of the same batch.
func (l *Log) WriteOffsets(ctx context.Context, o BatchOffsets) error {
	ms, err := batchMillis(o.BatchTime)
	if err != nil {
		return err
	}
	r := record{Kind: kindOffsets, BatchTimeMs: ms, Meta: o.Meta}
	if len(o.Ranges) > 0 {
		r.Ranges = make([]rangeRecord, len(o.Ranges))
		for i, or := range o.Ranges {
			r.Ranges[i] = rangeRecord(or)
		}
	}
	r.normalize()
	return l.writeEntry(ctx, l.offsetsPath(ms), r)
}

func (r *record) batchOffsets() BatchOffsets {
	o := BatchOffsets{BatchTime: batchTime(r.BatchTimeMs), Meta: r.Meta}
	if len(r.Ranges) > 0 {
		o.Ranges = make([]OffsetRange, len(r.Ranges))
		for i, rr := range r.Ranges {
			o.Ranges[i] = OffsetRange(rr)
		}
	}
	return o
}
