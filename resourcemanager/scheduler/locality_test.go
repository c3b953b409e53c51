package scheduler

import (
	"fmt"
	"testing"
)

// localityScheduler has three 8 GiB nodes n1..n3 and an attempt "app".
func localityScheduler(t *testing.T, delay int) *Scheduler {
	t.Helper()
	s := newTestScheduler(t, func(c *Config) { c.NodeLocalityDelay = delay })
	for i := 1; i <= 3; i++ {
		mustAddNode(t, s, fmt.Sprintf("n%d", i), res(8*gb, 8))
	}
	mustAddApp(t, s, "app", "default")
	return s
}

func TestLocalityPreferredNodeChosen(t *testing.T) {
	for _, relax := range []bool{true, false} {
		t.Run(fmt.Sprintf("relax=%v", relax), func(t *testing.T) {
			s := localityScheduler(t, 5)
			mustSetRequests(t, s, "app", Request{Capability: res(1*gb, 1), Count: 2, Nodes: []string{"n2"}, RelaxLocality: relax})
			if got := s.NodeUpdate("n1"); len(got) != 0 {
				t.Fatalf("non-preferred node n1 got %v", got)
			}
			got := s.NodeUpdate("n2")
			if len(got) != 2 || got[0].NodeID != "n2" || got[1].NodeID != "n2" {
				t.Fatalf("preferred node n2 got %+v, want two containers", got)
			}
		})
	}
}

func TestLocalitySchedulePassUsesPreferredNode(t *testing.T) {
	s := localityScheduler(t, 5)
	mustSetRequests(t, s, "app", Request{Capability: res(1*gb, 1), Count: 1, Nodes: []string{"n3"}, RelaxLocality: true})
	// n1 and n2 come first in the pass; the ask waits for n3.
	got := s.Schedule()
	if len(got) != 1 || got[0].NodeID != "n3" {
		t.Fatalf("Schedule = %+v, want one container on n3", got)
	}
}

func TestLocalityRelaxedAfterDelay(t *testing.T) {
	for _, delay := range []int{0, 1, 3, 10} {
		t.Run(fmt.Sprintf("delay=%d", delay), func(t *testing.T) {
			s := localityScheduler(t, delay)
			mustSetRequests(t, s, "app", Request{Capability: res(1*gb, 1), Count: 1, Nodes: []string{"gone"}, RelaxLocality: true})
			for i := range delay {
				if got := s.NodeUpdate("n1"); len(got) != 0 {
					t.Fatalf("placed after %d missed opportunities, want %d: %v", i, delay, got)
				}
			}
			got := s.NodeUpdate("n1")
			if len(got) != 1 || got[0].NodeID != "n1" {
				t.Fatalf("after %d missed opportunities NodeUpdate = %+v, want one container on n1", delay, got)
			}
		})
	}
}

func TestLocalitySchedulePassIsOneOpportunity(t *testing.T) {
	s := localityScheduler(t, 2)
	mustSetRequests(t, s, "app", Request{Capability: res(1*gb, 1), Count: 1, Nodes: []string{"gone"}, RelaxLocality: true})
	for pass := range 2 {
		if got := s.Schedule(); len(got) != 0 {
			t.Fatalf("pass %d placed %v before the delay", pass, got)
		}
	}
	if got := s.Schedule(); len(got) != 1 {
		t.Fatalf("third pass placed %v, want one container", got)
	}
}

func TestLocalityStrictNeverElsewhere(t *testing.T) {
	s := localityScheduler(t, 2)
	mustSetRequests(t, s, "app", Request{Capability: res(1*gb, 1), Count: 1, Nodes: []string{"n3"}})
	for range 100 {
		if got := s.NodeUpdate("n1"); len(got) != 0 {
			t.Fatalf("strict ask placed on n1: %v", got)
		}
	}
	// Fill n3 with another attempt (the ask is withdrawn meanwhile so that
	// the filler gets the node): the ask still does not move.
	mustSetRequests(t, s, "app")
	mustAddApp(t, s, "filler", "default")
	mustSetRequests(t, s, "filler", Request{Capability: res(8*gb, 1), Count: 1, Nodes: []string{"n3"}})
	if got := s.NodeUpdate("n3"); len(got) != 1 || got[0].AttemptID != "filler" {
		t.Fatalf("filler placement = %+v", got)
	}
	mustSetRequests(t, s, "app", Request{Capability: res(1*gb, 1), Count: 1, Nodes: []string{"n3"}})
	for range 50 {
		if got := s.Schedule(); len(got) != 0 {
			t.Fatalf("strict ask placed while n3 is full: %v", got)
		}
	}
	if p := mustApp(t, s, "app").Pending; p != 1 {
		t.Errorf("pending = %d, want 1", p)
	}
}

func TestLocalityMissCountsOnlyWhenItFits(t *testing.T) {
	s := localityScheduler(t, 2)
	mustAddApp(t, s, "filler", "default")
	mustSetRequests(t, s, "filler", Request{Capability: res(8*gb, 1), Count: 1, Nodes: []string{"n1"}})
	fill := s.NodeUpdate("n1")
	if len(fill) != 1 {
		t.Fatalf("filler placement = %+v", fill)
	}
	mustSetRequests(t, s, "app", Request{Capability: res(1*gb, 1), Count: 1, Nodes: []string{"gone"}, RelaxLocality: true})
	// n1 is full: these heartbeats could not have placed the ask.
	for range 10 {
		s.NodeUpdate("n1")
	}
	s.Release(fill[0].ContainerID)
	for i := range 2 {
		if got := s.NodeUpdate("n1"); len(got) != 0 {
			t.Fatalf("placed after %d counted misses: %v", i, got)
		}
	}
	if got := s.NodeUpdate("n1"); len(got) != 1 {
		t.Fatalf("NodeUpdate after the delay = %v, want one container", got)
	}
}

func TestLocalityDelayRestartsAfterLocalPlacement(t *testing.T) {
	s := localityScheduler(t, 1)
	mustAddApp(t, s, "filler", "default")
	// Leave room for exactly one 1 GiB container on n2.
	mustSetRequests(t, s, "filler", Request{Capability: res(7*gb, 1), Count: 1, Nodes: []string{"n2"}})
	if got := s.NodeUpdate("n2"); len(got) != 1 {
		t.Fatalf("filler placement = %+v", got)
	}
	mustSetRequests(t, s, "app", Request{Capability: res(1*gb, 1), Count: 2, Nodes: []string{"n2"}, RelaxLocality: true})
	if got := s.NodeUpdate("n1"); len(got) != 0 { // miss 1
		t.Fatalf("placed before the delay: %v", got)
	}
	if got := s.NodeUpdate("n2"); len(got) != 1 || got[0].NodeID != "n2" {
		t.Fatalf("local placement = %+v", got)
	}
	if got := s.NodeUpdate("n1"); len(got) != 0 { // delay restarted: miss 1
		t.Fatalf("placed right after a local placement: %v", got)
	}
	if got := s.NodeUpdate("n1"); len(got) != 1 || got[0].NodeID != "n1" {
		t.Fatalf("after the delay NodeUpdate = %+v, want one container on n1", got)
	}
}

func TestLocalityDelaySurvivesResentAsk(t *testing.T) {
	s := localityScheduler(t, 2)
	ask := Request{Priority: 3, Capability: res(1*gb, 1), Count: 1, Nodes: []string{"gone"}, RelaxLocality: true}
	mustSetRequests(t, s, "app", ask)
	s.NodeUpdate("n1")
	s.NodeUpdate("n1")
	// The ApplicationMaster resends its table; the two misses still count.
	mustSetRequests(t, s, "app", ask)
	if got := s.NodeUpdate("n1"); len(got) != 1 {
		t.Fatalf("NodeUpdate after resend = %v, want one container", got)
	}
}

func TestLocalityLongNodeList(t *testing.T) {
	s := localityScheduler(t, 100)
	var nodes []string
	for i := range 20 {
		nodes = append(nodes, fmt.Sprintf("x%d", i))
	}
	nodes = append(nodes, "n2")
	mustSetRequests(t, s, "app", Request{Capability: res(1*gb, 1), Count: 1, Nodes: nodes})
	if got := s.NodeUpdate("n1"); len(got) != 0 {
		t.Fatalf("n1 got %v", got)
	}
	if got := s.NodeUpdate("n2"); len(got) != 1 {
		t.Fatalf("n2 got %v, want one container", got)
	}
}
