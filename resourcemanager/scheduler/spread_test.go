package scheduler

import "testing"

// TestMaxAssignmentsPerNodeSpreads: with a cap of one container per node per
// round, a pass spreads an application's containers evenly; without a cap
// it fills the first node.
func TestMaxAssignmentsPerNodeSpreads(t *testing.T) {
	tests := []struct {
		name    string
		cap     int
		perNode map[string]int
	}{
		{"cap 1 spreads", 1, map[string]int{"n1": 3, "n2": 3}},
		{"no cap packs", 0, map[string]int{"n1": 4, "n2": 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.MinimumAllocation = Resource{MemoryMB: 1, VCores: 1}
			cfg.MaxAssignmentsPerNode = tc.cap
			s, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []string{"n1", "n2"} {
				if err := s.AddNode(n, Resource{MemoryMB: 4096, VCores: 4}); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.AddApplication("a1", DefaultQueue); err != nil {
				t.Fatal(err)
			}
			if err := s.SetRequests("a1", []Request{{Priority: 1, Capability: Resource{MemoryMB: 1024, VCores: 1}, Count: 6, RelaxLocality: true}}); err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, a := range s.Schedule() {
				got[a.NodeID]++
			}
			if len(got) != len(tc.perNode) || got["n1"]+got["n2"] != 6 {
				t.Fatalf("placement %v, want %v", got, tc.perNode)
			}
			if tc.cap == 1 && got["n1"] != got["n2"] {
				t.Fatalf("cap 1 placed %v, want an even spread", got)
			}
			if tc.cap == 0 && got["n1"] != 4 && got["n2"] != 4 {
				t.Fatalf("no cap placed %v, want one node filled", got)
			}
		})
	}
}
