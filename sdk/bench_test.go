package sdk

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// benchPartition is n records of a 100-byte line of 15 words.
func benchPartition(n int) Partition {
	line := []byte(strings.Repeat("spindle streams ", 6) + "record")[:100]
	p := Partition{PartitionInfo: PartitionInfo{BatchTime: time.Now(), Topic: "lines"}}
	for i := range n {
		p.Records = append(p.Records, Record{Topic: "lines", Offset: int64(i), Value: line, Timestamp: p.BatchTime})
	}
	return p
}

// BenchmarkProcessPartition measures one ProcessPartition call of the
// wordcount example in a real plugin process, per partition size.
func BenchmarkProcessPartition(b *testing.B) {
	bin := jobBinary(b, "wordcount")
	cfg := DefaultClientConfig()
	cfg.Path, cfg.AppLog = bin, io.Discard
	cfg.SHA256 = sha256File(b, bin)
	ctx := context.Background()
	c, err := NewClient(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Kill()
	if _, err := c.Configure(ctx, map[string]string{ConfLogLevel: "WARN"}, nil); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{100, 10_000} {
		p := benchPartition(n)
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			b.SetBytes(int64(n * 100))
			for b.Loop() {
				if _, err := c.ProcessPartition(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkStartJob measures NewClient: checksum, process start, mTLS
// handshake and the first answer.
func BenchmarkStartJob(b *testing.B) {
	bin := jobBinary(b, "wordcount")
	cfg := DefaultClientConfig()
	cfg.Path, cfg.AppLog = bin, io.Discard
	cfg.SHA256 = sha256File(b, bin)
	for b.Loop() {
		c, err := NewClient(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		c.Kill()
	}
}

// BenchmarkProcessPartitionInProcess measures the protocol's own cost:
// translation and gRPC over a local socket, with a job that only passes
// each record through to an output.
func BenchmarkProcessPartitionInProcess(b *testing.B) {
	c := testJobClient(b, minimalJob{}, io.Discard)
	ctx := context.Background()
	if _, err := c.Configure(ctx, nil, nil); err != nil {
		b.Fatal(err)
	}
	const n = 10_000
	p := benchPartition(n)
	b.SetBytes(n * 100)
	for b.Loop() {
		if _, err := c.ProcessPartition(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}
