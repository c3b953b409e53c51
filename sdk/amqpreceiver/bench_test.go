package amqpreceiver_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/dfs/dfstest"
	"github.com/spindlehq/spindle/internal/rabbitmqtest"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/sdk/amqpreceiver"
	"github.com/spindlehq/spindle/streaming/wal"
)

// BenchmarkAMQPReceiver measures records/s through the AMQP receiver
// from a real RabbitMQ queue holding b.N persistent messages of 100
// bytes, until every one is stored: with the write-ahead log off (each
// block kept in memory, as an executor does) and on, on file:// and on
// the in-process HDFS, in one run. Both leave out the driver's recording
// of each block, which is the same with the log on or off. Shipped
// defaults: spark.streaming.blockInterval 200ms, prefetch 1000, the log's
// 60 s rolling interval. Run with a fixed count, e.g. -benchtime=50000x.
func BenchmarkAMQPReceiver(b *testing.B) {
	broker := rabbitmqtest.Start(b)
	body := []byte(fmt.Sprintf("%0100d", 0))
	for _, mode := range []string{"wal=off", "wal=file", "wal=hdfs"} {
		b.Run(mode, func(b *testing.B) {
			var log *wal.Log
			if mode != "wal=off" {
				var st dfs.Store
				if mode == "wal=file" {
					st = dfstest.NewFileStore(b)
				} else {
					st = dfstest.NewHDFSStore(b, dfstest.StartHDFS(b, 128<<20).Addr(), nil)
				}
				cfg := wal.DefaultConfig()
				cfg.Store, cfg.Dir = st, "/ck"
				var err error
				if log, err = wal.New(cfg); err != nil {
					b.Fatal(err)
				}
			}
			queue := "bench-" + mode[4:] + fmt.Sprint(b.N)
			if err := broker.Declare(queue); err != nil {
				b.Fatal(err)
			}
			ids, bodies := make([]string, b.N), make([][]byte, b.N)
			for i := range b.N {
				ids[i], bodies[i] = fmt.Sprintf("m%d", i), body
			}
			if err := broker.Publish(context.Background(), queue, ids, bodies); err != nil {
				b.Fatal(err)
			}
			var stored atomic.Int64
			var blocks atomic.Uint32
			var held [][]sdk.Record
			done := make(chan struct{})
			store := func(ctx context.Context, recs []sdk.Record) error {
				if log != nil {
					id := wal.BlockID(0, time.Now(), blocks.Add(1))
					if _, err := log.WriteBlock(ctx, wal.Block{ID: id, Records: recs}); err != nil {
						return err
					}
				} else {
					held = append(held, recs)
				}
				if stored.Add(int64(len(recs))) == int64(b.N) {
					close(done)
				}
				return nil
			}
			r, err := amqpreceiver.New(amqpreceiver.DefaultConfig(broker.URL, queue))
			if err != nil {
				b.Fatal(err)
			}
			c := client(b, r)
			ctx, cancel := context.WithCancel(context.Background())
			ended := make(chan error, 1)
			b.ResetTimer()
			start := time.Now()
			go func() {
				ended <- c.RunReceiver(ctx, sdk.ReceiverRun{BlockInterval: 200 * time.Millisecond, RestartDelay: 2 * time.Second, Store: store})
			}()
			select {
			case <-done:
			case err := <-ended:
				b.Fatalf("the receiver ended after %d of %d records: %v", stored.Load(), b.N, err)
			case <-time.After(10 * time.Minute):
				b.Fatalf("%d of %d records stored after 10 minutes", stored.Load(), b.N)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			cancel()
			if err := <-ended; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
		})
	}
}
