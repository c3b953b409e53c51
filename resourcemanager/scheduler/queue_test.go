package scheduler

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// slotCluster adds ten nodes of ten 1 GiB/1 vcore slots each: 100 slots.
func slotCluster(t *testing.T, s *Scheduler) {
	t.Helper()
	for i := range 10 {
		mustAddNode(t, s, fmt.Sprintf("n%02d", i), res(10*gb, 10))
	}
}

var slot = res(1*gb, 1)

func usedSlots(t *testing.T, s *Scheduler, queue string) int64 {
	t.Helper()
	u := queueReport(t, s, queue).Used
	if u.MemoryMB != int64(u.VCores)*gb {
		t.Fatalf("queue %q used %s is not a whole number of slots", queue, u)
	}
	return u.MemoryMB / gb
}

func TestQueueSharesConverge(t *testing.T) {
	s := newTestScheduler(t, func(c *Config) {
		c.Queues = []QueueConfig{{Name: "a", Capacity: 70}, {Name: "b", Capacity: 30}}
	})
	slotCluster(t, s)
	mustAddApp(t, s, "a1", "a")
	mustAddApp(t, s, "b1", "b")
	// Both queues ask for far more than the cluster holds.
	mustSetRequests(t, s, "a1", Request{Capability: slot, Count: 1000})
	mustSetRequests(t, s, "b1", Request{Capability: slot, Count: 1000})
	live := map[string]bool{}
	for _, c := range s.Schedule() {
		live[c.ContainerID] = true
	}
	if a, b := usedSlots(t, s, "a"), usedSlots(t, s, "b"); a != 70 || b != 30 {
		t.Fatalf("after filling: a=%d b=%d slots, want 70/30", a, b)
	}

	// Churn: containers finish at random and the freed slots are
	// rescheduled. Shares stay at 70/30.
	rng := rand.New(rand.NewPCG(7, 7))
	for round := range 50 {
		ids := make([]string, 0, len(live))
		for id := range live {
			ids = append(ids, id)
		}
		// Map order is random; sort for a reproducible pick.
		sortStrings(ids)
		for range 1 + rng.IntN(20) {
			i := rng.IntN(len(ids))
			if _, ok := s.Release(ids[i]); ok {
				delete(live, ids[i])
			}
		}
		for _, c := range s.Schedule() {
			live[c.ContainerID] = true
		}
		if a, b := usedSlots(t, s, "a"), usedSlots(t, s, "b"); a != 70 || b != 30 {
			t.Fatalf("round %d: a=%d b=%d slots, want 70/30", round, a, b)
		}
	}
	checkInvariants(t, s)
}

func TestQueueBelowGuaranteeServedFirst(t *testing.T) {
	s := newTestScheduler(t, func(c *Config) {
		c.Queues = []QueueConfig{{Name: "a", Capacity: 70}, {Name: "b", Capacity: 30}}
	})
	slotCluster(t, s)
	mustAddApp(t, s, "a1", "a")
	mustAddApp(t, s, "b1", "b")
	mustSetRequests(t, s, "a1", Request{Capability: slot, Count: 1000})
	aAllocs := s.Schedule()
	mustSetRequests(t, s, "b1", Request{Capability: slot, Count: 1000})
	// 40 of a's containers finish: b, at 0% of its guarantee, is served
	// before a until the shares meet.
	for _, c := range aAllocs[:40] {
		if _, ok := s.Release(c.ContainerID); !ok {
			t.Fatalf("Release(%q) failed", c.ContainerID)
		}
	}
	got := countBy(s.Schedule(), func(a Allocation) string { return a.AttemptID })
	if got["b1"] != 30 || got["a1"] != 10 {
		t.Fatalf("reallocated %v, want b1:30 a1:10", got)
	}
}

func TestIdleQueueShareUpToMaxCapacity(t *testing.T) {
	tests := []struct {
		name       string
		maxCap     float64
		wantASlots int64
	}{
		{"max 90", 90, 90},
		{"max 70", 70, 70},
		{"max unset means 100", 0, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestScheduler(t, func(c *Config) {
				c.Queues = []QueueConfig{{Name: "a", Capacity: 70, MaxCapacity: tt.maxCap}, {Name: "b", Capacity: 30}}
			})
			slotCluster(t, s)
			mustAddApp(t, s, "a1", "a")
			mustSetRequests(t, s, "a1", Request{Capability: slot, Count: 1000})
			s.Schedule()
			// Node heartbeats do not push it past the maximum either.
			for _, n := range s.Nodes() {
				s.NodeUpdate(n.ID)
			}
			if got := usedSlots(t, s, "a"); got != tt.wantASlots {
				t.Fatalf("queue a uses %d slots, want %d", got, tt.wantASlots)
			}
			// The idle queue takes what is left at once.
			mustAddApp(t, s, "b1", "b")
			mustSetRequests(t, s, "b1", Request{Capability: slot, Count: 1000})
			s.Schedule()
			if got, want := usedSlots(t, s, "b"), 100-tt.wantASlots; got != want {
				t.Fatalf("queue b uses %d slots, want %d", got, want)
			}
			checkInvariants(t, s)
		})
	}
}

func TestMaxCapacityCountsEachResource(t *testing.T) {
	// 50% of <memory:10240, vCores:4> is 5 GiB and 2 vcores; vcore-heavy
	// asks must stop at 2 vcores even with memory left.
	s := newTestScheduler(t, func(c *Config) {
		c.Queues = []QueueConfig{{Name: "a", Capacity: 50, MaxCapacity: 50}}
	})
	mustAddNode(t, s, "n1", res(10*gb, 4))
	mustAddApp(t, s, "a1", "a")
	mustSetRequests(t, s, "a1", Request{Capability: res(1*gb, 1), Count: 10})
	if got := s.NodeUpdate("n1"); len(got) != 2 {
		t.Fatalf("placed %d containers, want 2", len(got))
	}
	if u := queueReport(t, s, "a").Used; u != res(2*gb, 2) {
		t.Errorf("queue a used %s, want <memory:2048, vCores:2>", u)
	}
}

func TestZeroCapacityQueueGetsLeftovers(t *testing.T) {
	s := newTestScheduler(t, func(c *Config) {
		// b is idle; default has no guarantee.
		c.Queues = []QueueConfig{{Name: "a", Capacity: 60, MaxCapacity: 60}, {Name: "b", Capacity: 40}}
	})
	slotCluster(t, s)
	mustAddApp(t, s, "d1", "default")
	mustAddApp(t, s, "a1", "a")
	mustSetRequests(t, s, "d1", Request{Capability: slot, Count: 1000})
	mustSetRequests(t, s, "a1", Request{Capability: slot, Count: 1000})
	s.Schedule()
	if a, d := usedSlots(t, s, "a"), usedSlots(t, s, "default"); a != 60 || d != 40 {
		t.Fatalf("a=%d default=%d slots, want 60/40", a, d)
	}
}

func TestQueuesReport(t *testing.T) {
	s := newTestScheduler(t, func(c *Config) {
		c.Queues = []QueueConfig{{Name: "etl", Capacity: 60, MaxCapacity: 80}, {Name: "adhoc", Capacity: 30}}
	})
	mustAddNode(t, s, "n1", res(8*gb, 8))
	mustAddApp(t, s, "e1", "etl")
	mustAddApp(t, s, "e2", "etl")
	mustAddApp(t, s, "h1", "adhoc")
	mustSetRequests(t, s, "e1", Request{Capability: res(2*gb, 1), Count: 2})
	mustSetRequests(t, s, "e2", Request{Capability: res(1*gb, 1), Count: 5})
	s.NodeUpdate("n1")
	got := s.Queues()
	want := []QueueReport{
		// 80% of 8 GiB is 6553 MiB: e1's two 2 GiB and e2's two 1 GiB.
		{Name: "etl", Capacity: 60, MaxCapacity: 80, Used: res(6*gb, 4), Pending: 3, Applications: []string{"e1", "e2"}},
		{Name: "adhoc", Capacity: 30, MaxCapacity: 100, Applications: []string{"h1"}},
		{Name: "default", Capacity: 10, MaxCapacity: 100, Applications: []string{}},
	}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Fatalf("Queues() =\n%+v\nwant\n%+v", got, want)
	}
}

func TestUnknownQueue(t *testing.T) {
	s := newTestScheduler(t, func(c *Config) {
		c.Queues = []QueueConfig{{Name: "etl", Capacity: 60}}
	})
	err := s.AddApplication("attempt_1", "nope")
	if !errors.Is(err, ErrUnknownQueue) {
		t.Fatalf("AddApplication = %v, want ErrUnknownQueue", err)
	}
	for _, w := range []string{`"nope"`, `"attempt_1"`, "etl, default"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %s", err, w)
		}
	}
	if _, ok := s.Application("attempt_1"); ok {
		t.Error("attempt registered despite the error")
	}
}

func TestQueueSharesConvergeMixedSizes(t *testing.T) {
	s := newTestScheduler(t, func(c *Config) {
		c.Queues = []QueueConfig{{Name: "a", Capacity: 70}, {Name: "b", Capacity: 30}}
	})
	for i := range 20 {
		mustAddNode(t, s, fmt.Sprintf("n%02d", i), res(64*gb, 32))
	}
	for q, apps := range map[string][]string{"a": {"a1", "a2"}, "b": {"b1", "b2"}} {
		for _, id := range apps {
			mustAddApp(t, s, id, q)
			mustSetRequests(t, s, id,
				Request{Priority: 1, Capability: res(1*gb, 1), Count: 100000},
				Request{Priority: 2, Capability: res(3*gb, 1), Count: 100000},
				Request{Priority: 3, Capability: res(4*gb, 2), Count: 100000},
			)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var live []string
	share := func(q string) float64 {
		total, _ := s.ClusterResource()
		return dominantShare(queueReport(t, s, q).Used, total)
	}
	for round := range 40 {
		// Priorities vary between rounds so that container sizes mix.
		for _, id := range []string{"a1", "a2", "b1", "b2"} {
			p := int32(rng.IntN(3))
			mustSetRequests(t, s, id,
				Request{Priority: p, Capability: res(1*gb, 1), Count: 100000},
				Request{Priority: 1, Capability: res(3*gb, 1), Count: 100000},
				Request{Priority: 2 - p, Capability: res(4*gb, 2), Count: 100000},
			)
		}
		for _, n := range s.Nodes() {
			for _, c := range s.NodeUpdate(n.ID) {
				live = append(live, c.ContainerID)
			}
		}
		if round >= 5 {
			if a, b := share("a"), share("b"); a < 0.65 || a > 0.75 || b < 0.25 || b > 0.35 {
				t.Fatalf("round %d: shares a=%.3f b=%.3f, want about 0.7/0.3", round, a, b)
			}
		}
		// A fifth of the containers finish.
		rng.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
		n := len(live) / 5
		for _, id := range live[:n] {
			if _, ok := s.Release(id); !ok {
				t.Fatalf("Release(%q) failed", id)
			}
		}
		live = live[n:]
	}
	checkInvariants(t, s)
}
