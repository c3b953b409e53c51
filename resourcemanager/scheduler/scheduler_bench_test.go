package scheduler

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchCluster is a simulated cluster: nodes of 64 GiB/32 vcores, three
// queues and 100 attempts with large outstanding asks of 1-4 GiB.
type benchCluster struct {
	s     *Scheduler
	nodes []string
	// live holds container ids in allocation order, as a ring, so that
	// the oldest can be released.
	live       []string
	head, size int
	made       int
}

func newBenchCluster(b *testing.B, nodes, maxAssignments int) *benchCluster {
	b.Helper()
	cfg := DefaultConfig()
	cfg.MaxAssignmentsPerNode = maxAssignments
	b.Logf("scheduler at its defaults except: 3 queues (streaming 50%%/100%%, batch 30%%/60%%, adhoc 20%%/40%%), per-node assignment cap %d (the RM ships 1; 0 = none)", maxAssignments)
	cfg.Queues = []QueueConfig{
		{Name: "streaming", Capacity: 50, MaxCapacity: 100},
		{Name: "batch", Capacity: 30, MaxCapacity: 60},
		{Name: "adhoc", Capacity: 20, MaxCapacity: 40},
	}
	s, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	c := &benchCluster{s: s, live: make([]string, 1<<20)}
	for i := range nodes {
		id := fmt.Sprintf("node-%05d.example.com:8041", i)
		c.nodes = append(c.nodes, id)
		if err := s.AddNode(id, res(64*gb, 32)); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	queues := []string{"streaming", "batch", "adhoc"}
	for i := range 100 {
		id := fmt.Sprintf("appattempt_1700000000000_%04d_000001", i)
		if err := s.AddApplication(id, queues[i%len(queues)]); err != nil {
			b.Fatal(err)
		}
		reqs := []Request{
			{Priority: 1, Capability: benchSize(i), Count: 10_000_000},
			{Priority: 2, Capability: benchSize(i + 1), Count: 10_000_000},
		}
		if i%5 == 0 {
			// Some attempts prefer particular nodes, as executors reading
			// local data do.
			var pref []string
			for range 3 {
				pref = append(pref, c.nodes[rng.IntN(len(c.nodes))])
			}
			reqs = append(reqs, Request{Priority: 0, Capability: res(2*gb, 1), Count: 1000, Nodes: pref, RelaxLocality: true})
		}
		if err := s.SetRequests(id, reqs); err != nil {
			b.Fatal(err)
		}
	}
	return c
}

// benchSize returns container sizes from 1 to 4 GiB, with a vcore per
// 2 GiB or part of it.
func benchSize(i int) Resource {
	mb := int64(1+i%4) * gb
	return res(mb, int32((mb+2*gb-1)/(2*gb)))
}

func (c *benchCluster) record(allocs []Allocation) {
	for _, a := range allocs {
		if c.size == len(c.live) {
			grown := make([]string, 2*len(c.live))
			n := copy(grown, c.live[c.head:])
			copy(grown[n:], c.live[:c.head])
			c.live, c.head = grown, 0
		}
		c.live[(c.head+c.size)%len(c.live)] = a.ContainerID
		c.size++
	}
	c.made += len(allocs)
}

// releaseOldest releases the oldest containers until at most 80% of the
// cluster's memory and vcores are in use.
func (c *benchCluster) releaseOldest(b *testing.B) {
	total, used := c.s.ClusterResource()
	limit := percentOf(total, 80)
	for !used.LessOrEqual(limit) && c.size > 0 {
		id := c.live[c.head]
		c.live[c.head] = ""
		c.head = (c.head + 1) % len(c.live)
		c.size--
		a, ok := c.s.Release(id)
		if !ok {
			b.Fatalf("Release(%q) failed", id)
		}
		used = used.Sub(a.Resource)
	}
}

// assignmentCaps are the per-node assignment caps the benchmarks run
// with: the RM's shipped 1
// (yarn.scheduler.capacity.per-node-heartbeat.maximum-container-assignments)
// and none.
var assignmentCaps = []struct {
	name string
	cap  int
}{{"capped=1", 1}, {"uncapped", 0}}

// BenchmarkAllocate simulates node heartbeats: each iteration is one
// NodeUpdate, round-robin over the nodes, after which the oldest
// containers are released to keep the cluster at about 80%. It runs with
// the shipped per-node assignment cap of 1 and uncapped.
func BenchmarkAllocate(b *testing.B) {
	for _, nodes := range []int{1000, 10000} {
		for _, ac := range assignmentCaps {
			b.Run(fmt.Sprintf("nodes=%d/%s", nodes, ac.name), func(b *testing.B) { benchmarkAllocate(b, nodes, ac.cap) })
		}
	}
}

func benchmarkAllocate(b *testing.B, nodes, maxAssignments int) {
	c := newBenchCluster(b, nodes, maxAssignments)
	// Fill the cluster once so that the loop measures steady state.
	for _, id := range c.nodes {
		c.record(c.s.NodeUpdate(id))
		c.releaseOldest(b)
	}
	c.made = 0
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.record(c.s.NodeUpdate(c.nodes[i]))
		c.releaseOldest(b)
		i++
		if i == len(c.nodes) {
			i = 0
		}
	}
	b.ReportMetric(float64(c.made)/b.Elapsed().Seconds(), "allocs/s")
	b.ReportMetric(float64(c.made)/float64(b.N), "containers/op")
	checkInvariants(b, c.s)
}

// BenchmarkSchedulePass measures Schedule over 1,000 nodes: each iteration
// releases the oldest containers down to 80% of the cluster and runs one
// pass, which places containers wherever room was freed; capped as the RM
// ships and uncapped.
func BenchmarkSchedulePass(b *testing.B) {
	for _, ac := range assignmentCaps {
		b.Run(ac.name, func(b *testing.B) { benchmarkSchedulePass(b, ac.cap) })
	}
}

func benchmarkSchedulePass(b *testing.B, maxAssignments int) {
	c := newBenchCluster(b, 1000, maxAssignments)
	c.record(c.s.Schedule())
	c.made = 0
	b.ReportAllocs()
	for b.Loop() {
		c.releaseOldest(b)
		c.record(c.s.Schedule())
	}
	b.ReportMetric(float64(c.made)/b.Elapsed().Seconds(), "allocs/s")
	b.ReportMetric(float64(c.made)/float64(b.N), "containers/op")
	checkInvariants(b, c.s)
}
