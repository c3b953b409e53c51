package nodemanager_test

import (
	"slices"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/testutil"
)

// BenchmarkContainerLaunch measures a ContainerManagement start request, from
// sending it to the container's process running (the NM answers after the
// fork/exec), over b.N launches of `sleep`; it reports p50 and p99. Run it
// with -benchtime 200x for the figure in docs/architecture.md.
func BenchmarkContainerLaunch(b *testing.B) {
	c := testutil.StartInProcess(b, 1, 64<<10, int32(b.N+1))
	am := testutil.NewUnmanagedAM(b, c.RM.Addresses().Client, "default")
	containers := am.AllocateUntil(testutil.Ask(b.N, 1, 1, 1), b.N, 30*time.Second)
	if len(containers) != b.N {
		b.Fatalf("allocated %d of %d containers", len(containers), b.N)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		am.Launch(containers[i], []string{"sleep", "300"}, nil)
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}
