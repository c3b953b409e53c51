package resourcemanager_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/token"
)

// finishedApps is how many finished applications the web benchmarks put
// in the RM's state.
const finishedApps = 10_000

// fillFinished submits n unmanaged applications that register and finish,
// eight at a time.
func fillFinished(b *testing.B, rmAddr string, n int) {
	b.Helper()
	conn := testutil.Dial(b, rmAddr)
	client, am := pb.NewApplicationClientClient(conn), pb.NewApplicationMasterClient(conn)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for i := w; i < n; i += 8 {
				resp, err := client.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
				if err == nil {
					_, err = client.SubmitApplication(ctx, &pb.SubmitApplicationRequest{Context: &pb.ApplicationSubmissionContext{
						ApplicationId: resp.GetApplicationId(), Name: fmt.Sprintf("job-%d", i), Queue: "default", User: "alice",
						ApplicationType: "SPARK", Tags: []string{"bench"}, UnmanagedAm: true,
					}})
				}
				var rep *pb.GetApplicationReportResponse
				if err == nil {
					rep, err = client.GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: resp.GetApplicationId()})
				}
				var actx context.Context
				if err == nil {
					actx, err = token.WithAttempt(ctx, rep.GetReport().GetAmRmToken())
				}
				if err == nil {
					_, err = am.RegisterApplicationMaster(actx, &pb.RegisterApplicationMasterRequest{Host: "am", TrackingUrl: "http://am:4040"})
				}
				if err == nil {
					_, err = am.FinishApplicationMaster(actx, &pb.FinishApplicationMasterRequest{FinalStatus: pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// processCPU is the process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapMB is the live heap after a collection, in MiB.
func heapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// latencies GETs url b.N times and reports the p50 and p99 of the time to
// the last byte, on loopback.
func latencies(b *testing.B, url string) {
	b.Helper()
	lat := make([]time.Duration, 0, b.N)
	cpu0 := processCPU()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(start))
		if resp.StatusCode != http.StatusOK || n == 0 {
			b.Fatalf("GET %s: %d, %d bytes", url, resp.StatusCode, n)
		}
	}
	b.StopTimer()
	// The machine may be shared: the process's CPU time per request
	// (server and client) does not grow with others' load as wall time does.
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkWebWith10kFinishedApps measures the applications page and
// /ws/v1/cluster/apps of an RM holding 10,000 finished applications, and
// the RM's heap with them (the benchmark process is the RM). Run it with
// -benchtime 100x for a p99 over 100 requests.
func BenchmarkWebWith10kFinishedApps(b *testing.B) {
	before := heapMB()
	rm := startRMBench(b)
	addr := rm.Addresses()
	fillFinished(b, addr.Client, finishedApps)
	b.Logf("RM heap with %d finished applications: %.1f MiB", finishedApps, heapMB()-before)
	for _, path := range []string{"/cluster/apps", "/ws/v1/cluster/apps"} {
		b.Run(path, func(b *testing.B) { latencies(b, "http://"+addr.Web+path) })
	}
	// After the listing has cached every finished application's JSON.
	b.Logf("RM heap after serving them: %.1f MiB", heapMB()-before)
}
