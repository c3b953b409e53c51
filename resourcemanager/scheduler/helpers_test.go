package scheduler

import (
	"fmt"
	"slices"
	"testing"
)

// gb is one GiB in MiB.
const gb = 1024

func res(mb int64, vcores int32) Resource { return Resource{MemoryMB: mb, VCores: vcores} }

// newTestScheduler returns a Scheduler built from DefaultConfig after mod
// has adjusted it.
func newTestScheduler(t testing.TB, mod func(*Config)) *Scheduler {
	t.Helper()
	cfg := DefaultConfig()
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func mustAddNode(t testing.TB, s *Scheduler, id string, total Resource) {
	t.Helper()
	if err := s.AddNode(id, total); err != nil {
		t.Fatalf("AddNode(%q, %s): %v", id, total, err)
	}
}

func mustAddApp(t testing.TB, s *Scheduler, attempt, queue string) {
	t.Helper()
	if err := s.AddApplication(attempt, queue); err != nil {
		t.Fatalf("AddApplication(%q, %q): %v", attempt, queue, err)
	}
}

func mustSetRequests(t testing.TB, s *Scheduler, attempt string, reqs ...Request) {
	t.Helper()
	if err := s.SetRequests(attempt, reqs); err != nil {
		t.Fatalf("SetRequests(%q): %v", attempt, err)
	}
}

func mustNode(t testing.TB, s *Scheduler, id string) NodeReport {
	t.Helper()
	r, ok := s.Node(id)
	if !ok {
		t.Fatalf("Node(%q) not found", id)
	}
	return r
}

func mustApp(t testing.TB, s *Scheduler, attempt string) ApplicationReport {
	t.Helper()
	r, ok := s.Application(attempt)
	if !ok {
		t.Fatalf("Application(%q) not found", attempt)
	}
	return r
}

func queueReport(t testing.TB, s *Scheduler, name string) QueueReport {
	t.Helper()
	for _, q := range s.Queues() {
		if q.Name == name {
			return q
		}
	}
	t.Fatalf("queue %q not in Queues()", name)
	return QueueReport{}
}

// countBy tallies allocations by the key that f extracts.
func countBy(allocs []Allocation, f func(Allocation) string) map[string]int {
	m := make(map[string]int)
	for _, a := range allocs {
		m[f(a)]++
	}
	return m
}

// checkInvariants verifies the scheduler's internal bookkeeping: every
// node within its capacity, and node, attempt, queue and cluster usage
// equal to the sums of the containers they hold.
func checkInvariants(t testing.TB, s *Scheduler) {
	t.Helper()
	if err := invariantError(s); err != nil {
		t.Fatal(err)
	}
}

func invariantError(s *Scheduler) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var total, used Resource
	seen := 0
	for i, n := range s.nodeList {
		if n.index != i || s.nodes[n.id] != n {
			return fmt.Errorf("node %q index %d at position %d", n.id, n.index, i)
		}
		var sum Resource
		for j, c := range n.containers {
			if c.node != n || c.nodeIdx != j || s.containers[c.alloc.ContainerID] != c {
				return fmt.Errorf("container %q misfiled on node %q", c.alloc.ContainerID, n.id)
			}
			sum = sum.Add(c.alloc.Resource)
		}
		seen += len(n.containers)
		if sum != n.used {
			return fmt.Errorf("node %q used %s, containers sum to %s", n.id, n.used, sum)
		}
		if !n.used.LessOrEqual(n.total) {
			return fmt.Errorf("node %q over-committed: used %s of %s", n.id, n.used, n.total)
		}
		total = total.Add(n.total)
		used = used.Add(n.used)
	}
	if len(s.nodes) != len(s.nodeList) {
		return fmt.Errorf("%d nodes indexed, %d listed", len(s.nodes), len(s.nodeList))
	}
	if seen != len(s.containers) {
		return fmt.Errorf("%d containers on nodes, %d known", seen, len(s.containers))
	}
	if total != s.total || used != s.used {
		return fmt.Errorf("cluster %s/%s, nodes sum to %s/%s", s.used, s.total, used, total)
	}
	var qused Resource
	var pending int64
	napps := 0
	for _, q := range s.queueList {
		var sum Resource
		var qp int64
		for _, a := range q.apps {
			if a.queue != q || s.apps[a.id] != a {
				return fmt.Errorf("attempt %q misfiled in queue %q", a.id, q.name)
			}
			var asum Resource
			for j, c := range a.containers {
				if c.app != a || c.appIdx != j {
					return fmt.Errorf("container %q misfiled on attempt %q", c.alloc.ContainerID, a.id)
				}
				asum = asum.Add(c.alloc.Resource)
			}
			if asum != a.used {
				return fmt.Errorf("attempt %q used %s, containers sum to %s", a.id, a.used, asum)
			}
			var ap int64
			for _, r := range a.reqs {
				if r.count < 0 {
					return fmt.Errorf("attempt %q has a negative count", a.id)
				}
				ap += r.count
			}
			if ap != a.pending {
				return fmt.Errorf("attempt %q pending %d, asks sum to %d", a.id, a.pending, ap)
			}
			qp += ap
			sum = sum.Add(a.used)
		}
		napps += len(q.apps)
		if sum != q.used || qp != q.pending {
			return fmt.Errorf("queue %q used %s pending %d, attempts sum to %s and %d", q.name, q.used, q.pending, sum, qp)
		}
		qused = qused.Add(q.used)
		pending += qp
	}
	if napps != len(s.apps) {
		return fmt.Errorf("%d attempts in queues, %d known", napps, len(s.apps))
	}
	var held Resource
	for _, c := range s.containers {
		if c.app == nil {
			held = held.Add(c.alloc.Resource)
		}
	}
	if held != s.held {
		return fmt.Errorf("held %s, held containers sum to %s", s.held, held)
	}
	if qused.Add(held) != s.used || pending != s.pending {
		return fmt.Errorf("cluster used %s pending %d, queues and held containers sum to %s and %d", s.used, s.pending, qused.Add(held), pending)
	}
	return nil
}

func sortStrings(s []string) { slices.Sort(s) }
