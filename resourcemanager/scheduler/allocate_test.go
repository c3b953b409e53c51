package scheduler

import (
	"fmt"
	"testing"
)

func TestPlacementRespectsMemoryAndVCores(t *testing.T) {
	ask := Request{Priority: 1, Capability: res(4*gb, 2), Count: 1}
	tests := []struct {
		name  string
		total Resource
		// filler is allocated on the node first, by another attempt.
		filler Resource
		placed bool
	}{
		{"exact fit", res(4*gb, 2), Resource{}, true},
		{"room to spare", res(64*gb, 32), Resource{}, true},
		{"too little memory", res(4*gb-1, 32), Resource{}, false},
		{"too few vcores", res(64*gb, 1), Resource{}, false},
		{"memory taken", res(8*gb, 8), res(5*gb, 1), false},
		{"vcores taken", res(8*gb, 8), res(1*gb, 7), false},
		{"what is left fits", res(8*gb, 8), res(4*gb, 6), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestScheduler(t, func(c *Config) { c.MaximumAllocation = res(64*gb, 32) })
			mustAddNode(t, s, "n1", tt.total)
			if !tt.filler.IsZero() {
				mustAddApp(t, s, "filler", "default")
				mustSetRequests(t, s, "filler", Request{Capability: tt.filler, Count: 1})
				if got := s.NodeUpdate("n1"); len(got) != 1 {
					t.Fatalf("filler allocations = %v, want 1", got)
				}
			}
			mustAddApp(t, s, "app", "default")
			mustSetRequests(t, s, "app", ask)
			got := s.NodeUpdate("n1")
			if placed := len(got) == 1; placed != tt.placed {
				t.Fatalf("NodeUpdate = %v, want placed=%v", got, tt.placed)
			}
			if tt.placed && (got[0].AttemptID != "app" || got[0].NodeID != "n1" || got[0].Resource != ask.Capability) {
				t.Errorf("allocation = %+v", got[0])
			}
			n := mustNode(t, s, "n1")
			if !n.Used.LessOrEqual(n.Total) {
				t.Errorf("node over-committed: %+v", n)
			}
			checkInvariants(t, s)
		})
	}
}

func TestScheduleChoosesNodeWithRoom(t *testing.T) {
	s := newTestScheduler(t, nil)
	mustAddNode(t, s, "small-mem", res(2*gb, 16))
	mustAddNode(t, s, "small-cpu", res(16*gb, 1))
	mustAddNode(t, s, "fits", res(4*gb, 2))
	mustAddNode(t, s, "also-small", res(3*gb, 3))
	mustAddApp(t, s, "app", "default")
	mustSetRequests(t, s, "app", Request{Capability: res(4*gb, 2), Count: 5})
	got := s.Schedule()
	if len(got) != 1 || got[0].NodeID != "fits" {
		t.Fatalf("Schedule = %+v, want one container on node fits", got)
	}
	if p := mustApp(t, s, "app").Pending; p != 4 {
		t.Errorf("pending = %d, want 4", p)
	}
	checkInvariants(t, s)
}

func TestNodeUpdateFillsNode(t *testing.T) {
	s := newTestScheduler(t, nil)
	mustAddNode(t, s, "n1", res(10*gb, 4))
	mustAddApp(t, s, "app", "default")
	mustSetRequests(t, s, "app", Request{Capability: res(2*gb, 1), Count: 100})
	got := s.NodeUpdate("n1")
	// vcores are the binding limit: 4 containers, 8 GiB.
	if len(got) != 4 {
		t.Fatalf("NodeUpdate placed %d containers, want 4", len(got))
	}
	if n := mustNode(t, s, "n1"); n.Used != res(8*gb, 4) || n.Containers != 4 {
		t.Errorf("node = %+v", n)
	}
	if got := s.NodeUpdate("n1"); len(got) != 0 {
		t.Errorf("full node got %v", got)
	}
	if got := s.NodeUpdate("unknown"); got != nil {
		t.Errorf("unknown node got %v", got)
	}
}

func TestFIFOWithinQueue(t *testing.T) {
	s := newTestScheduler(t, nil)
	mustAddNode(t, s, "n1", res(4*gb, 8))
	for _, id := range []string{"first", "second", "third"} {
		mustAddApp(t, s, id, "default")
	}
	// Asks are set in reverse order: arrival of asks does not matter,
	// the order the attempts were added does.
	for _, id := range []string{"third", "second", "first"} {
		mustSetRequests(t, s, id, Request{Capability: res(1*gb, 1), Count: 3})
	}
	got := countBy(s.NodeUpdate("n1"), func(a Allocation) string { return a.AttemptID })
	if want := map[string]int{"first": 3, "second": 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("allocations by attempt = %v, want %v", got, want)
	}

	// Freeing the node gives "second" its remaining two, then "third".
	for _, a := range s.RemoveApplication("first") {
		if a.AttemptID != "first" {
			t.Fatalf("RemoveApplication returned %+v", a)
		}
	}
	got = countBy(s.NodeUpdate("n1"), func(a Allocation) string { return a.AttemptID })
	if want := map[string]int{"second": 2, "third": 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("allocations by attempt = %v, want %v", got, want)
	}
	if q := queueReport(t, s, "default"); fmt.Sprint(q.Applications) != "[second third]" {
		t.Errorf("queue applications = %v, want [second third]", q.Applications)
	}
	checkInvariants(t, s)
}

func TestFIFOSkipsAttemptThatDoesNotFit(t *testing.T) {
	s := newTestScheduler(t, nil)
	mustAddNode(t, s, "n1", res(3*gb, 8))
	mustAddApp(t, s, "big", "default")
	mustAddApp(t, s, "small", "default")
	mustSetRequests(t, s, "big", Request{Capability: res(4*gb, 1), Count: 1})
	mustSetRequests(t, s, "small", Request{Capability: res(1*gb, 1), Count: 1})
	got := s.NodeUpdate("n1")
	if len(got) != 1 || got[0].AttemptID != "small" {
		t.Fatalf("NodeUpdate = %+v, want one container for small", got)
	}
}

func TestPriorityOrder(t *testing.T) {
	s := newTestScheduler(t, nil)
	mustAddNode(t, s, "n1", res(6*gb, 8))
	mustAddApp(t, s, "app", "default")
	mustSetRequests(t, s, "app",
		Request{Priority: 10, Capability: res(1*gb, 1), Count: 10},
		Request{Priority: 1, Capability: res(2*gb, 1), Count: 2},
		Request{Priority: 5, Capability: res(3*gb, 1), Count: 1},
	)
	got := s.NodeUpdate("n1")
	var prios []int32
	for _, a := range got {
		prios = append(prios, a.Priority)
	}
	// Priority 1 takes 4 GiB, priority 5 (3 GiB) no longer fits, priority
	// 10 fills the remaining 2 GiB.
	if fmt.Sprint(prios) != "[1 1 10 10]" {
		t.Fatalf("priorities = %v, want [1 1 10 10]", prios)
	}
	for _, a := range got {
		want := map[int32]Resource{1: res(2*gb, 1), 10: res(1*gb, 1)}[a.Priority]
		if a.Resource != want {
			t.Errorf("allocation %+v, want resource %s", a, want)
		}
	}
}

func TestScheduleStopsWhenNothingPendingAndResumes(t *testing.T) {
	s := newTestScheduler(t, nil)
	for i := 1; i <= 4; i++ {
		mustAddNode(t, s, fmt.Sprintf("n%d", i), res(8*gb, 8))
	}
	mustAddApp(t, s, "app", "default")
	var nodes []string
	for range 4 {
		mustSetRequests(t, s, "app", Request{Capability: res(1*gb, 1), Count: 1})
		got := s.Schedule()
		if len(got) != 1 {
			t.Fatalf("Schedule = %+v, want one container", got)
		}
		nodes = append(nodes, got[0].NodeID)
	}
	// Each pass starts after the node where the previous one stopped, so
	// single asks spread over the nodes.
	distinct := map[string]bool{}
	for _, n := range nodes {
		distinct[n] = true
	}
	if len(distinct) != 4 {
		t.Errorf("nodes used = %v, want all four", nodes)
	}
	if got := s.Schedule(); got != nil {
		t.Errorf("Schedule with nothing pending = %v", got)
	}
}
