package scheduler

import (
	"slices"
	"testing"
)

// TestUnfitAsks: an ask larger than every node in some component is
// reported with its count, the largest capacity offered beside it; an ask
// some node could hold, even if busy, is not; a strict ask counts only
// its own nodes; a node that registers larger makes it fit.
func TestUnfitAsks(t *testing.T) {
	s := newTestScheduler(t, func(c *Config) { c.MaximumAllocation = res(16*gb, 32) })
	mustAddNode(t, s, "small", res(4*gb, 8))
	mustAddNode(t, s, "wide", res(2*gb, 16))
	mustAddApp(t, s, "app", "default")
	mustSetRequests(t, s, "app",
		Request{Priority: 1, Capability: res(3*gb, 12), Count: 2},                         // memory fits small, vcores fit wide: no node holds both
		Request{Priority: 2, Capability: res(4*gb, 8), Count: 5},                          // fits small
		Request{Priority: 3, Capability: res(1*gb, 1), Count: 1, Nodes: []string{"gone"}}, // strict, on a node that is not there
	)
	unfit, largest := s.UnfitAsks("app")
	want := []UnfitAsk{{Priority: 1, Capability: res(3*gb, 12), Count: 2}, {Priority: 3, Capability: res(1*gb, 1), Count: 1}}
	if !slices.Equal(unfit, want) || largest != res(4*gb, 16) {
		t.Fatalf("UnfitAsks = %v, %s; want %v, <memory:4096, vCores:16>", unfit, largest, want)
	}
	mustAddNode(t, s, "big", res(8*gb, 16))
	unfit, largest = s.UnfitAsks("app")
	if !slices.Equal(unfit, want[1:]) || largest != res(8*gb, 16) {
		t.Fatalf("after a big node registered: %v, %s; want only the strict ask", unfit, largest)
	}
	if unfit, _ := s.UnfitAsks("no-such-attempt"); unfit != nil {
		t.Fatalf("unknown attempt: %v", unfit)
	}
}
