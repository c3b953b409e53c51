package hdfscheckpoint

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkWriteOffsets measures recording one batch's offsets (64
// partitions) on the file store: encode, write, fsync, rename, fsync of the
// directory.
func BenchmarkWriteOffsets(b *testing.B) {
	ctx := context.Background()
	l, err := NewLog(newFileStore(b), testCheckpointDir, 0, nil)
	if err != nil {
		b.Fatal(err)
	}
	o := BatchOffsets{BatchTime: batchBase, Meta: map[string]string{"build": "bench"}}
	for p := range 64 {
		o.Ranges = append(o.Ranges, OffsetRange{Topic: fmt.Sprintf("topic-%d", p%4), Partition: int32(p), From: 1 << 40, Until: 1<<40 + 5000})
	}
	enc, err := encodeEntry(record{Kind: kindOffsets, BatchTimeMs: batchBase.UnixMilli(), Ranges: toRangeRecords(o.Ranges), Meta: o.Meta})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		o.BatchTime = batchBase.Add(time.Duration(i) * time.Second)
		if err := l.WriteOffsets(ctx, o); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func toRangeRecords(rs []OffsetRange) []rangeRecord {
	out := make([]rangeRecord, len(rs))
	for i, r := range rs {
		out[i] = rangeRecord(r)
	}
	return out
}
