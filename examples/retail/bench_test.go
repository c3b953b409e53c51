package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/spindlehq/spindle/sdk"
)

// BenchmarkRetailPartition measures records/s of the retail job on a
// partition of 10,000 transactions, served over the plugin protocol in the
// benchmark's own process: the job's share of the pipeline's cost per
// record, with the protocol's (gRPC and serialisation) included.
func BenchmarkRetailPartition(b *testing.B) {
	benchmarkRetail(b, sdk.TestJobClient(b, &retailJob{}))
}

// benchmarkRetail runs partitions of 10,000 valid transactions through c.
func benchmarkRetail(b *testing.B, c *sdk.JobClient) {
	const n = 10_000
	ctx := context.Background()
	if _, err := c.Configure(ctx, nil, []string{"--regions", "regions.csv"}); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)
	stores := []string{"s-01", "s-02", "s-03", "s-04"}
	values := make([]string, n)
	for i := range values {
		values[i] = fmt.Sprintf(`{"id":"t-%d","store":%q,"sku":"A-%d","qty":%d,"price":%d.%02d,"ts":%q}`,
			i, stores[i%len(stores)], i%97, 1+i%5, (1+(i*37)%9999)/100, (1+(i*37)%9999)%100, at.Format(time.RFC3339Nano))
	}
	p := txns(at, 0, values...)
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.ProcessPartition(ctx, p)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Outputs) != n {
			b.Fatalf("%d outputs, want %d (rejected %v)", len(res.Outputs), n, res.Rejected[:min(3, len(res.Rejected))])
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkRetailPartitionInProcess is BenchmarkRetailPartition without the
// plugin boundary (sdk.NewInProcessClient: no gRPC, no serialisation), so
// that it measures the job's own code and the SDK's runner alone.
func BenchmarkRetailPartitionInProcess(b *testing.B) {
	c, err := sdk.NewInProcessClient(&retailJob{}, sdk.DefaultInProcessConfig())
	if err != nil {
		b.Fatal(err)
	}
	benchmarkRetail(b, c)
}
