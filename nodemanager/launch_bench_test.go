package nodemanager_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
)

// jobBinaryBytes is the size of the job binary the launch benchmark
// localizes: about what a Go job built with Spindle's sdk weighs.
const jobBinaryBytes = 20 << 20

// BenchmarkContainerLaunch measures a ContainerManagement start request,
// from sending it to the container's process running (the NM answers
// after localizing and the fork/exec), over b.N launches; it reports p50
// and p99. "localize=20MB" has each container localize a 20 MB executable
// (copied and its SHA-256 checked), as an executor's job binary is, before
// it runs `sleep`; "localize=none" starts `sleep` with nothing to
// localize. Run it with -benchtime 200x for the figures in
// docs/performance.md.
func BenchmarkContainerLaunch(b *testing.B) {
	b.Run("localize=20MB", func(b *testing.B) { benchmarkLaunch(b, stageBinary(b)) })
	b.Run("localize=none", func(b *testing.B) { benchmarkLaunch(b, nil) })
}

// stageBinary writes a 20 MB executable file to stage and returns it as a
// local resource.
func stageBinary(b *testing.B) []*pb.LocalResource {
	b.Helper()
	content := make([]byte, jobBinaryBytes)
	if _, err := rand.Read(content); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "job")
	if err := os.WriteFile(path, content, 0o755); err != nil {
		b.Fatal(err)
	}
	sum := sha256.Sum256(content)
	return []*pb.LocalResource{{Name: "job", Uri: "file://" + path, Sha256: hex.EncodeToString(sum[:]), Size: jobBinaryBytes, Executable: true}}
}

func benchmarkLaunch(b *testing.B, resources []*pb.LocalResource) {
	b.Logf("in-process RM and NM at shipped defaults except: yarn.resourcemanager.nodemanagers.heartbeat-interval-ms=100 (allocation only; a launch does not wait for heartbeats)")
	c := testutil.StartInProcess(b, 1, 64<<10, int32(b.N+1))
	am := testutil.NewUnmanagedAM(b, c.RM.Addresses().Client, "default")
	containers := am.AllocateUntil(testutil.Ask(b.N, 1, 1, 1), b.N, 30*time.Second)
	if len(containers) != b.N {
		b.Fatalf("allocated %d of %d containers", len(containers), b.N)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ct := containers[i]
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		resp, err := am.NM(ct.GetNodeAddress()).StartContainers(ctx, &pb.StartContainersRequest{Requests: []*pb.StartContainerRequest{{
			ContainerToken: ct.GetContainerToken(),
			LaunchContext:  &pb.ContainerLaunchContext{Command: []string{"sleep", "300"}, LocalResources: resources},
		}}})
		cancel()
		if err != nil || len(resp.GetFailed()) > 0 {
			b.Fatalf("start %s: %v %v", ct.GetId(), err, resp.GetFailed())
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}
