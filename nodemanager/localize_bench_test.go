package nodemanager_test

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/staging"
)

// BenchmarkContainerLaunchJob20MB measures a ContainerManagement start
// request, from sending it to the container's process running, for a
// container whose launch context carries a 20 MB job binary staged on
// file://, at the shipped defaults (localizer cache of 10240 MB).
//
//   - first: every launch brings a job binary the node has not seen: it is
//     read, its SHA-256 checked, written to the user's cache and linked in.
//   - cached: every launch uses one job binary the node already has: a
//     hard link from the cache, no read and no hash.
//
// It reports p50 and p99; run it with -benchtime 200x. The staged file was
// just written, so "first" reads it from the page cache: it measures the
// NodeManager's work, not a cold disk or HDFS.
func BenchmarkContainerLaunchJob20MB(b *testing.B) {
	const size = 20 << 20
	job := make([]byte, size)
	if _, err := rand.Read(job); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"first", "cached"} {
		b.Run(mode, func(b *testing.B) {
			c := testutil.StartInProcess(b, 1, 64<<10, int32(b.N+2))
			am := testutil.NewUnmanagedAM(b, c.RM.Addresses().Client, "default")
			containers := am.AllocateUntil(testutil.Ask(b.N+1, 1, 1, 1), b.N+1, 30*time.Second)
			if len(containers) != b.N+1 {
				b.Fatalf("allocated %d of %d containers", len(containers), b.N+1)
			}
			src := b.TempDir()
			root := "file://" + b.TempDir()
			stage := func(i int) []*pb.LocalResource {
				job[0], job[1], job[2] = byte(i), byte(i>>8), byte(i>>16) // a new binary per i
				p := filepath.Join(src, "job")
				if err := os.WriteFile(p, job, 0o755); err != nil {
					b.Fatal(err)
				}
				res, err := staging.Stage(context.Background(), staging.Config{Root: root, AppID: am.AppID}, []string{p})
				if err != nil {
					b.Fatal(err)
				}
				return res
			}
			launch := func(ct *pb.Container, res []*pb.LocalResource) time.Duration {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				start := time.Now()
				resp, err := am.NM(ct.GetNodeAddress()).StartContainers(ctx, &pb.StartContainersRequest{Requests: []*pb.StartContainerRequest{{
					ContainerToken: ct.GetContainerToken(),
					LaunchContext:  &pb.ContainerLaunchContext{Command: []string{"sleep", "300"}, LocalResources: res},
				}}})
				d := time.Since(start)
				if err != nil || len(resp.GetFailed()) > 0 {
					b.Fatalf("start %s: %v %v", ct.GetId(), err, resp.GetFailed())
				}
				return d
			}
			// The cached run's binary reaches the cache on an untimed launch.
			res := stage(1 << 20)
			launch(containers[b.N], res)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if mode == "first" {
					b.StopTimer()
					res = stage(i)
					b.StartTimer()
				}
				lat = append(lat, launch(containers[i], res))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
		})
	}
}
