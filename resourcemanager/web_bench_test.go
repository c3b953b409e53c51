package resourcemanager_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/spindlehq/spindle/acl"
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
			// Without TLS (startRMBench) a caller says who it is: the
			// applications' user, who may have their attempt tokens.
			ctx := acl.WithClaimedUser(context.Background(), "alice")
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

// heapMB is the live heap after a collection, in MiB.
func heapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
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
		b.Run(path, func(b *testing.B) { testutil.Latencies(b, "http://"+addr.Web+path) })
	}
	// After the listing has cached every finished application's JSON.
	b.Logf("RM heap after serving them: %.1f MiB", heapMB()-before)
}
