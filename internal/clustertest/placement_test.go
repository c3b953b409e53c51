package clustertest

import (
	"context"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
)

// TestPlacementRespectsMemoryAndVcores fills two NMs and checks that no node
// gets more than fits, that sizes include overhead, and that a release makes
// room for a waiting request.
func TestPlacementRespectsMemoryAndVcores(t *testing.T) {
	tests := []struct {
		name      string
		nmMemory  string
		nmVCores  int
		ask       *pb.ResourceRequest
		wantSize  int64 // container memory with overhead, MiB
		wantPerNM int
	}{
		// 1024 + max(384, 10%) = 1408 MiB: one fits in 2 GiB, two do not.
		{"memory bound", "2g", 8, testutil.Ask(3, 1024, 0, 1), 1408, 1},
		// 2 vcores each on 3-vcore nodes: one per node although memory allows more.
		{"vcore bound", "8g", 3, testutil.Ask(3, 512, 0, 2), 896, 1},
		// An explicit overhead replaces the default rule.
		{"explicit overhead", "2g", 8, testutil.Ask(9, 400, 100, 1), 500, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2, NMMemory: tc.nmMemory, NMVCores: tc.nmVCores})
			am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
			want := min(int(tc.ask.GetNumContainers()), 2*tc.wantPerNM)
			got := am.AllocateUntil(tc.ask, int(tc.ask.GetNumContainers()), 2*time.Second)
			if len(got) != want {
				t.Fatalf("allocated %d containers, want %d (what fits on two nodes)", len(got), want)
			}
			perNode := map[string]int{}
			for _, ct := range got {
				perNode[ct.GetNodeId()]++
				if ct.GetResource().GetMemoryMb() != tc.wantSize {
					t.Errorf("container %s has %d MiB, want %d (memory + overhead)", ct.GetId(), ct.GetResource().GetMemoryMb(), tc.wantSize)
				}
			}
			for node, n := range perNode {
				if n != tc.wantPerNM {
					t.Errorf("node %s got %d containers, want %d", node, n, tc.wantPerNM)
				}
			}
			for _, n := range c.Nodes() {
				if n.GetUsed().GetMemoryMb() > n.GetCapability().GetMemoryMb() || n.GetUsed().GetVcores() > n.GetCapability().GetVcores() {
					t.Errorf("node %s over-committed: used %v of %v", n.GetNodeId(), n.GetUsed(), n.GetCapability())
				}
			}
			// Containers run on their NMs with what was allocated.
			for _, ct := range got {
				am.Launch(ct, []string{"sleep", "60"}, nil)
				if st := am.Status(ct); st.GetState() != pb.ContainerState_CONTAINER_STATE_RUNNING {
					t.Fatalf("container %s state %v, want RUNNING", ct.GetId(), st.GetState())
				}
			}
			if int(tc.ask.GetNumContainers()) > want {
				// Releasing one makes room for one that was waiting.
				if _, err := am.Allocate(nil, got[0].GetId()); err != nil {
					t.Fatal(err)
				}
				more := am.AllocateUntil(tc.ask, 1, 5*time.Second)
				if len(more) != 1 || more[0].GetNodeId() != got[0].GetNodeId() {
					t.Fatalf("after releasing %s on %s, got %v; want one container on that node", got[0].GetId(), got[0].GetNodeId(), more)
				}
			}
			am.Finish()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			rep, err := c.Client().GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: am.AppID})
			if err != nil || rep.GetReport().GetState() != pb.ApplicationState_APPLICATION_STATE_FINISHED {
				t.Fatalf("after Finish: report %v, %v; want FINISHED", rep.GetReport().GetState(), err)
			}
		})
	}
}
