package launcher

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap"
)

// BenchmarkStart measures how long Start takes to have a container
// process running. Start returns once the exec has succeeded, so the
// process is then running sleep; it is killed outside the timed part.
func BenchmarkStart(b *testing.B) {
	root := b.TempDir()
	logger := zap.NewNop()
	ctx := context.Background()
	latencies := make([]time.Duration, 0, b.N)

	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("container_bench_%06d", i)
		spec := Spec{
			ContainerID: id,
			WorkDir:     filepath.Join(root, id, "work"),
			LogDir:      filepath.Join(root, id, "logs"),
			Command:     []string{"sleep", "30"},
		}
		begin := time.Now()
		p, err := Start(ctx, spec, logger)
		latencies = append(latencies, time.Since(begin))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := p.Kill(); err != nil {
			b.Fatal(err)
		}
		<-p.Done()
		b.StartTimer()
	}
	b.StopTimer()

	slices.Sort(latencies)
	b.ReportMetric(percentileMillis(latencies, 50), "p50-ms")
	b.ReportMetric(percentileMillis(latencies, 99), "p99-ms")
}

// percentileMillis returns the p-th percentile of sorted, in milliseconds.
func percentileMillis(sorted []time.Duration, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(len(sorted)*p/100, len(sorted)-1)
	return float64(sorted[i]) / float64(time.Millisecond)
}
