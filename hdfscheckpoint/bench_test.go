package hdfscheckpoint

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/internal/minihdfs"
	"go.uber.org/zap"
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

// BenchmarkCheckpointPerBatch measures what the checkpoint costs each batch
// of a job without keyed state: the offsets entry written before the batch
// (16 partitions) and the commit entry with the batch's statistics written
// after it, on the file store (fsync of the file and its directory) and on
// the mini HDFS (create, write pipeline, complete, rename); "+purge" adds
// the Purge that follows each commit, with the logs at their retained
// length. ms/batch is reported.
func BenchmarkCheckpointPerBatch(b *testing.B) {
	b.Setenv("HADOOP_CONF_DIR", b.TempDir())
	stores := []struct {
		name string
		open func(b *testing.B) Store
	}{
		{"store=file", func(b *testing.B) Store { return newFileStore(b) }},
		{"store=hdfs", func(b *testing.B) Store {
			c := minihdfs.StartForTest(b, minihdfs.DefaultConfig())
			return newTestHDFSStore(b, c.Addr(), func(cfg *dfs.HDFSConfig) { cfg.Logger = zap.NewNop() })
		}},
	}
	for _, st := range stores {
		for _, purge := range []bool{false, true} {
			name := st.name
			if purge {
				name += "+purge"
			}
			b.Run(name, func(b *testing.B) {
				benchmarkBatches(b, st.open(b), purge)
			})
		}
	}
}

func benchmarkBatches(b *testing.B, s Store, purge bool) {
	ctx := context.Background()
	l, err := NewLog(s, testCheckpointDir, 0, nil)
	if err != nil {
		b.Fatal(err)
	}
	o := BatchOffsets{}
	for p := range 16 {
		o.Ranges = append(o.Ranges, OffsetRange{Topic: "transactions", Partition: int32(p), From: 1 << 30, Until: 1<<30 + 2500})
	}
	c := BatchCommit{Outputs: map[string]int64{
		"records": 40000, "outputs": 39990, "rejected": 10, "processingMs": 412,
		"schedulingMs": 3, "rateLimit": 100000, "lag": 0,
	}}
	batch := func(i int) {
		t := batchBase.Add(time.Duration(i) * time.Second)
		o.BatchTime, c.BatchTime = t, t
		if err := l.WriteOffsets(ctx, o); err != nil {
			b.Fatal(err)
		}
		if err := l.WriteCommit(ctx, c); err != nil {
			b.Fatal(err)
		}
		if purge {
			if err := l.Purge(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	i := 0
	if purge {
		// Fill the logs to the retained length first, so that every
		// measured Purge lists full logs and deletes a batch from each.
		for ; i < l.RetainBatches(); i++ {
			batch(i)
		}
	}
	for b.Loop() {
		batch(i)
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/batch")
}

func toRangeRecords(rs []OffsetRange) []rangeRecord {
	out := make([]rangeRecord, len(rs))
	for i, r := range rs {
		out[i] = rangeRecord(r)
	}
	return out
}
