package wal

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/dfs/dfstest"
	"github.com/spindlehq/spindle/sdk"
)

// BenchmarkWALWrite measures how long writing one block to the receivers'
// log takes, which is what a receiver's StoreBlock waits for before the
// driver records the block: p50 and p99 over b.N blocks of 1,000 records
// of 100 bytes (a 200 ms block at 5,000 records/s), on file:// and on
// the in-process HDFS. Shipped defaults: 60 s rolling interval, 3 tries.
func BenchmarkWALWrite(b *testing.B) {
	recs := make([]sdk.Record, 1000)
	for i := range recs {
		recs[i] = sdk.Record{Value: []byte(fmt.Sprintf("%099d", i))}
	}
	for _, kind := range []string{"file", "hdfs"} {
		b.Run(kind, func(b *testing.B) {
			var st dfs.Store
			if kind == "file" {
				st = dfstest.NewFileStore(b)
			} else {
				st = dfstest.NewHDFSStore(b, dfstest.StartHDFS(b, 128<<20).Addr(), nil)
			}
			cfg := DefaultConfig()
			cfg.Store, cfg.Dir = st, "/ck"
			l, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if _, err := l.WriteBlock(context.Background(), Block{ID: BlockID(0, start, uint32(i)), Records: recs}); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
