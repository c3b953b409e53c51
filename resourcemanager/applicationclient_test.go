package resourcemanager_test

import (
	"context"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestSubmitRefusesAsksAboveTheMaximumAllocation: the RM tells clients
// its maximum allocation and refuses, itself, a submission whose AM or
// executors ask for more, in YARN's words and before the application
// exists, so that no client can create one that waits forever.
func TestSubmitRefusesAsksAboveTheMaximumAllocation(t *testing.T) {
	c := testutil.StartInProcess(t, 0, 1024, 1)
	client := pb.NewApplicationClientClient(testutil.Dial(t, c.RM.Addresses().Client))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	am := &pb.ContainerLaunchContext{Command: []string{"true"}}
	for _, tc := range []struct {
		name string
		sc   *pb.ApplicationSubmissionContext
		want []string
	}{
		{"executor memory", &pb.ApplicationSubmissionContext{AmContainerSpec: am, AmResource: &pb.Resource{MemoryMb: 512, Vcores: 1},
			ExecutorResource: &pb.Resource{MemoryMb: 16384, Vcores: 1}},
			[]string{"Invalid resource request, requested memory < 0, or requested memory > max configured, requestedMemory=18022, maxMemory=8192", "executor", "spark.executor.memory"}},
		{"executor vcores", &pb.ApplicationSubmissionContext{AmContainerSpec: am, AmResource: &pb.Resource{MemoryMb: 512, Vcores: 1},
			ExecutorResource: &pb.Resource{MemoryMb: 1024, Vcores: 8}, ExecutorMemoryOverheadMb: 512},
			[]string{"requestedVirtualCores=8, maxVirtualCores=4", "spark.executor.cores"}},
		{"AM memory", &pb.ApplicationSubmissionContext{AmContainerSpec: am, AmResource: &pb.Resource{MemoryMb: 8000, Vcores: 1}},
			[]string{"requestedMemory=8800, maxMemory=8192", "ApplicationMaster", "spark.driver.memory"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := client.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if m := resp.GetMaximumCapability(); m.GetMemoryMb() != 8192 || m.GetVcores() != 4 {
				t.Fatalf("maximum capability %v, want 8192 MiB and 4 vcores (the defaults)", m)
			}
			tc.sc.ApplicationId, tc.sc.Queue = resp.GetApplicationId(), "default"
			_, err = client.SubmitApplication(ctx, &pb.SubmitApplicationRequest{Context: tc.sc})
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("submit: %v, want InvalidArgument", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if _, err := client.GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: resp.GetApplicationId()}); status.Code(err) != codes.NotFound {
				t.Fatalf("the refused application exists: %v", err)
			}
		})
	}
	apps, err := client.GetApplications(ctx, &pb.GetApplicationsRequest{})
	if err != nil || len(apps.GetApplications()) != 0 {
		t.Fatalf("applications after the refusals: %v, %v; want none", apps.GetApplications(), err)
	}
}
