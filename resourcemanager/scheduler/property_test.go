package scheduler

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// model is what a caller can know about the scheduler from the results of
// its calls alone.
type model struct {
	nodes  map[string]Resource // id -> total
	live   map[string]Allocation
	apps   map[string]*modelApp
	minRes Resource
}

type modelApp struct {
	queue string
	asks  map[int32]*Request // by priority; Count is what remains
}

func (m *model) pending(app string) int64 {
	var n int64
	for _, r := range m.apps[app].asks {
		n += int64(r.Count)
	}
	return n
}

// drop forgets the live allocations that match f and returns their ids,
// sorted.
func (m *model) drop(f func(Allocation) bool) []string {
	var ids []string
	for id, a := range m.live {
		if f(a) {
			ids = append(ids, id)
			delete(m.live, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func sortedIDs(allocs []Allocation) []string {
	ids := make([]string, len(allocs))
	for i, a := range allocs {
		ids[i] = a.ContainerID
	}
	slices.Sort(ids)
	return ids
}

func TestRandomOperations(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			runRandomOperations(t, seed, 2500)
		})
	}
}

func runRandomOperations(t *testing.T, seed uint64, ops int) {
	rng := rand.New(rand.NewPCG(seed, seed*31))
	queues := []string{"a", "b", DefaultQueue}
	s := newTestScheduler(t, func(c *Config) {
		c.Queues = []QueueConfig{{Name: "a", Capacity: 50, MaxCapacity: 70}, {Name: "b", Capacity: 30, MaxCapacity: 40}}
		c.NodeLocalityDelay = 3
		c.MinimumAllocation = res(512, 1)
		c.MaximumAllocation = res(8*gb, 4)
	})
	maxCap := map[string]float64{"a": 70, "b": 40, DefaultQueue: 100}
	m := &model{nodes: map[string]Resource{}, live: map[string]Allocation{}, apps: map[string]*modelApp{}, minRes: res(512, 1)}
	nodeID := func() string { return fmt.Sprintf("n%d", rng.IntN(12)) }
	appID := func() string { return fmt.Sprintf("app%d", rng.IntN(10)) }

	placed := 0
	// checkPlaced verifies allocations just made against the asks the
	// model knows of and the queue limits.
	checkPlaced := func(op string, allocs []Allocation) {
		total, _ := s.ClusterResource()
		gotQueue := map[string]bool{}
		for _, al := range allocs {
			if _, dup := m.live[al.ContainerID]; dup {
				t.Fatalf("%s: container id %q handed out twice", op, al.ContainerID)
			}
			ma := m.apps[al.AttemptID]
			if ma == nil {
				t.Fatalf("%s: allocation %+v for an unknown attempt", op, al)
			}
			if _, ok := m.nodes[al.NodeID]; !ok {
				t.Fatalf("%s: allocation %+v on an unknown node", op, al)
			}
			ask := ma.asks[al.Priority]
			if ask == nil || ask.Count <= 0 {
				t.Fatalf("%s: allocation %+v without an outstanding ask", op, al)
			}
			if want := componentMax(ask.Capability, m.minRes); al.Resource != want {
				t.Fatalf("%s: allocation %+v, ask is for %s", op, al, want)
			}
			if len(ask.Nodes) > 0 && !ask.RelaxLocality && !slices.Contains(ask.Nodes, al.NodeID) {
				t.Fatalf("%s: strict ask for %v placed on %q", op, ask.Nodes, al.NodeID)
			}
			ask.Count--
			m.live[al.ContainerID] = al
			gotQueue[ma.queue] = true
		}
		placed += len(allocs)
		for _, q := range s.Queues() {
			if gotQueue[q.Name] && !q.Used.LessOrEqual(percentOf(total, maxCap[q.Name])) {
				t.Fatalf("%s: queue %q used %s, above %v%% of %s", op, q.Name, q.Used, maxCap[q.Name], total)
			}
		}
	}

	for i := 0; i < ops; i++ {
		var op string
		switch k := rng.IntN(100); {
		case k < 3:
			id := nodeID()
			total := res(int64(1+rng.IntN(16))*gb, int32(1+rng.IntN(16)))
			op = fmt.Sprintf("UpdateNodeResource(%s, %s)", id, total)
			err := s.UpdateNodeResource(id, total)
			var used Resource
			for _, a := range m.live {
				if a.NodeID == id {
					used = used.Add(a.Resource)
				}
			}
			_, known := m.nodes[id]
			switch {
			case !known:
				if !errors.Is(err, ErrUnknownNode) {
					t.Fatalf("%s = %v, want ErrUnknownNode", op, err)
				}
			case !used.LessOrEqual(total):
				if !errors.Is(err, ErrInvalidRequest) {
					t.Fatalf("%s with %s used = %v, want ErrInvalidRequest", op, used, err)
				}
			case err != nil:
				t.Fatalf("%s: %v", op, err)
			default:
				m.nodes[id] = total
			}
		case k < 8:
			id := nodeID()
			total := res(int64(1+rng.IntN(16))*gb, int32(1+rng.IntN(16)))
			op = fmt.Sprintf("AddNode(%s, %s)", id, total)
			if err := s.AddNode(id, total); err != nil {
				t.Fatalf("%s: %v", op, err)
			}
			m.drop(func(a Allocation) bool { return a.NodeID == id })
			m.nodes[id] = total
		case k < 11:
			id := nodeID()
			op = fmt.Sprintf("RemoveNode(%s)", id)
			got := sortedIDs(s.RemoveNode(id))
			want := m.drop(func(a Allocation) bool { return a.NodeID == id })
			if !slices.Equal(got, want) {
				t.Fatalf("%s returned %v, want %v", op, got, want)
			}
			delete(m.nodes, id)
		case k < 17:
			id, q := appID(), queues[rng.IntN(len(queues))]
			if rng.IntN(10) == 0 {
				q = "nosuchqueue"
			}
			op = fmt.Sprintf("AddApplication(%s, %s)", id, q)
			err := s.AddApplication(id, q)
			switch {
			case q == "nosuchqueue":
				if !errors.Is(err, ErrUnknownQueue) {
					t.Fatalf("%s = %v, want ErrUnknownQueue", op, err)
				}
			case m.apps[id] != nil:
				if !errors.Is(err, ErrApplicationExists) {
					t.Fatalf("%s = %v, want ErrApplicationExists", op, err)
				}
			case err != nil:
				t.Fatalf("%s: %v", op, err)
			default:
				m.apps[id] = &modelApp{queue: q, asks: map[int32]*Request{}}
			}
		case k < 20:
			id := appID()
			op = fmt.Sprintf("RemoveApplication(%s)", id)
			got := sortedIDs(s.RemoveApplication(id))
			want := m.drop(func(a Allocation) bool { return a.AttemptID == id })
			if !slices.Equal(got, want) {
				t.Fatalf("%s returned %v, want %v", op, got, want)
			}
			delete(m.apps, id)
		case k < 40:
			id := appID()
			reqs, valid := randomAsks(rng)
			op = fmt.Sprintf("SetRequests(%s, %+v)", id, reqs)
			err := s.SetRequests(id, reqs)
			switch {
			case m.apps[id] == nil:
				if !errors.Is(err, ErrUnknownApplication) {
					t.Fatalf("%s = %v, want ErrUnknownApplication", op, err)
				}
			case !valid:
				if !errors.Is(err, ErrInvalidRequest) {
					t.Fatalf("%s = %v, want ErrInvalidRequest", op, err)
				}
			case err != nil:
				t.Fatalf("%s: %v", op, err)
			default:
				asks := map[int32]*Request{}
				for _, r := range reqs {
					asks[r.Priority] = &r
				}
				m.apps[id].asks = asks
			}
		case k < 55:
			var id string
			if len(m.live) > 0 && rng.IntN(10) > 0 {
				ids := make([]string, 0, len(m.live))
				for cid := range m.live {
					ids = append(ids, cid)
				}
				slices.Sort(ids)
				id = ids[rng.IntN(len(ids))]
			} else {
				id = "no-such-container"
			}
			op = fmt.Sprintf("Release(%s)", id)
			got, ok := s.Release(id)
			want, known := m.live[id]
			if ok != known || got != want {
				t.Fatalf("%s = %+v, %v; want %+v, %v", op, got, ok, want, known)
			}
			delete(m.live, id)
		case k < 90:
			id := nodeID()
			op = fmt.Sprintf("NodeUpdate(%s)", id)
			got := s.NodeUpdate(id)
			for _, a := range got {
				if a.NodeID != id {
					t.Fatalf("%s placed %+v elsewhere", op, a)
				}
			}
			checkPlaced(op, got)
		default:
			op = "Schedule()"
			checkPlaced(op, s.Schedule())
		}

		if err := invariantError(s); err != nil {
			t.Fatalf("after op %d %s: %v", i, op, err)
		}
		compareWithModel(t, s, m, op)
	}
	// Guard against a generator that never lets anything be placed.
	t.Logf("%d containers placed in %d operations", placed, ops)
	if placed < ops/10 {
		t.Fatalf("only %d containers placed in %d operations", placed, ops)
	}
}

// randomAsks returns an ask table with distinct priorities, and whether it
// is valid.
func randomAsks(rng *rand.Rand) ([]Request, bool) {
	n := rng.IntN(4)
	prios := rng.Perm(5)
	reqs := make([]Request, n)
	valid := true
	for i := range reqs {
		r := Request{
			Priority:   int32(prios[i]),
			Capability: res(int64(256+rng.IntN(4*gb)), int32(1+rng.IntN(3))),
			Count:      rng.IntN(6),
		}
		switch rng.IntN(4) {
		case 0:
			r.Nodes = []string{fmt.Sprintf("n%d", rng.IntN(12))}
		case 1:
			r.Nodes = []string{fmt.Sprintf("n%d", rng.IntN(12)), fmt.Sprintf("n%d", rng.IntN(12))}
			r.RelaxLocality = true
		}
		if rng.IntN(20) == 0 {
			r.Capability.MemoryMB = 9 * gb
			valid = false
		}
		reqs[i] = r
	}
	return reqs, valid
}

// compareWithModel checks the scheduler's reports against the model.
func compareWithModel(t *testing.T, s *Scheduler, m *model, op string) {
	t.Helper()
	nodeUsed := map[string]Resource{}
	appUsed := map[string]Resource{}
	queueUsed := map[string]Resource{}
	var used Resource
	for _, a := range m.live {
		nodeUsed[a.NodeID] = nodeUsed[a.NodeID].Add(a.Resource)
		appUsed[a.AttemptID] = appUsed[a.AttemptID].Add(a.Resource)
		q := m.apps[a.AttemptID].queue
		queueUsed[q] = queueUsed[q].Add(a.Resource)
		used = used.Add(a.Resource)
	}
	var total Resource
	reports := s.Nodes()
	if len(reports) != len(m.nodes) {
		t.Fatalf("after %s: %d nodes reported, model has %d", op, len(reports), len(m.nodes))
	}
	for _, n := range reports {
		if n.Total != m.nodes[n.ID] || n.Used != nodeUsed[n.ID] {
			t.Fatalf("after %s: node %+v, model total %s used %s", op, n, m.nodes[n.ID], nodeUsed[n.ID])
		}
		if !n.Used.LessOrEqual(n.Total) {
			t.Fatalf("after %s: node over-committed: %+v", op, n)
		}
		total = total.Add(n.Total)
	}
	gotTotal, gotUsed := s.ClusterResource()
	if gotTotal != total || gotUsed != used {
		t.Fatalf("after %s: cluster %s/%s, model %s/%s", op, gotUsed, gotTotal, used, total)
	}
	queuePending := map[string]int64{}
	for id, ma := range m.apps {
		r := mustApp(t, s, id)
		if r.Used != appUsed[id] || r.Pending != m.pending(id) || r.Queue != ma.queue {
			t.Fatalf("after %s: attempt %+v, model used %s pending %d", op, r, appUsed[id], m.pending(id))
		}
		queuePending[ma.queue] += r.Pending
	}
	for _, q := range s.Queues() {
		if q.Used != queueUsed[q.Name] || q.Pending != queuePending[q.Name] {
			t.Fatalf("after %s: queue %+v, model used %s pending %d", op, q, queueUsed[q.Name], queuePending[q.Name])
		}
	}
}
