package scheduler

import (
	"errors"
	"strings"
	"testing"
)

func TestSetRequestsReplaces(t *testing.T) {
	s := newTestScheduler(t, nil)
	mustAddNode(t, s, "n1", res(2*gb, 8))
	mustAddApp(t, s, "app", "default")
	ask := func(n int) Request { return Request{Priority: 1, Capability: res(1*gb, 1), Count: n} }

	mustSetRequests(t, s, "app", ask(5))
	if got := s.NodeUpdate("n1"); len(got) != 2 {
		t.Fatalf("placed %d, want 2", len(got))
	}
	if p := mustApp(t, s, "app").Pending; p != 3 {
		t.Fatalf("pending after two placements = %d, want 3", p)
	}
	// The AM saw the two containers and still wants three: the count is
	// taken as is, not reduced again by the two already placed.
	mustSetRequests(t, s, "app", ask(3))
	if p := mustApp(t, s, "app").Pending; p != 3 {
		t.Fatalf("pending after resend = %d, want 3", p)
	}
	if q := queueReport(t, s, "default").Pending; q != 3 {
		t.Fatalf("queue pending = %d, want 3", q)
	}

	// A smaller table withdraws asks.
	mustSetRequests(t, s, "app", ask(1))
	mustAddNode(t, s, "n2", res(8*gb, 8))
	if got := s.NodeUpdate("n2"); len(got) != 1 {
		t.Fatalf("placed %d after asking for 1, want 1", len(got))
	}

	// An empty table cancels everything.
	mustSetRequests(t, s, "app", ask(4))
	mustSetRequests(t, s, "app")
	if got := s.NodeUpdate("n2"); len(got) != 0 {
		t.Fatalf("placed %v after the asks were withdrawn", got)
	}
	if p := mustApp(t, s, "app").Pending; p != 0 {
		t.Errorf("pending = %d, want 0", p)
	}

	// Asks at different priorities replace together.
	mustSetRequests(t, s, "app", ask(1), Request{Priority: 2, Capability: res(2*gb, 1), Count: 2})
	if p := mustApp(t, s, "app").Pending; p != 3 {
		t.Errorf("pending = %d, want 3", p)
	}
	if a := mustApp(t, s, "app"); a.Containers != 3 || a.Used != res(3*gb, 3) {
		t.Errorf("attempt = %+v, containers must not change with the asks", a)
	}
	checkInvariants(t, s)
}

func TestMinimumAllocationRaisesAsks(t *testing.T) {
	tests := []struct {
		ask, want Resource
	}{
		{res(512, 1), res(1024, 1)},
		{res(100, 3), res(1024, 3)},
		{res(2048, 1), res(2048, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.ask.String(), func(t *testing.T) {
			s := newTestScheduler(t, func(c *Config) { c.MinimumAllocation = res(1024, 1) })
			mustAddNode(t, s, "n1", res(8*gb, 8))
			mustAddApp(t, s, "app", "default")
			mustSetRequests(t, s, "app", Request{Capability: tt.ask, Count: 1})
			got := s.NodeUpdate("n1")
			if len(got) != 1 || got[0].Resource != tt.want {
				t.Fatalf("NodeUpdate = %+v, want one container of %s", got, tt.want)
			}
			if u := mustNode(t, s, "n1").Used; u != tt.want {
				t.Errorf("node used %s, want %s", u, tt.want)
			}
		})
	}
}

func TestSetRequestsRejectsBadAsks(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want []string
	}{
		{"zero memory", Request{Priority: 2, Capability: res(0, 1), Count: 1},
			[]string{"request 1", "priority 2", "<memory:0, vCores:1>", "positive"}},
		{"negative vcores", Request{Capability: res(1024, -1), Count: 1},
			[]string{"request 1", "<memory:1024, vCores:-1>", "positive"}},
		{"zero capability", Request{Capability: Resource{}, Count: 1},
			[]string{"<memory:0, vCores:0>", "positive"}},
		{"memory above maximum", Request{Priority: 7, Capability: res(16*gb, 1), Count: 1},
			[]string{"request 1", "priority 7", "<memory:16384, vCores:1>", "maximum allocation <memory:8192, vCores:4>"}},
		{"vcores above maximum", Request{Capability: res(1*gb, 5), Count: 1},
			[]string{"<memory:1024, vCores:5>", "maximum allocation <memory:8192, vCores:4>"}},
		{"negative count", Request{Capability: res(1*gb, 1), Count: -2},
			[]string{"request 1", "count -2"}},
		{"count too large", Request{Capability: res(1*gb, 1), Count: MaxRequestCount + 1},
			[]string{"request 1", "count 4294967297"}},
		{"empty node", Request{Capability: res(1*gb, 1), Count: 1, Nodes: []string{"n1", ""}},
			[]string{"request 1", "preferred node 1 is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestScheduler(t, nil)
			mustAddNode(t, s, "n1", res(64*gb, 32))
			mustAddApp(t, s, "app", "default")
			good := Request{Capability: res(1*gb, 1), Count: 1}
			mustSetRequests(t, s, "app", good)
			err := s.SetRequests("app", []Request{good, tt.req})
			if !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("SetRequests = %v, want ErrInvalidRequest", err)
			}
			for _, w := range append(tt.want, `"app"`) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			// The previous table stays in force.
			if p := mustApp(t, s, "app").Pending; p != 1 {
				t.Errorf("pending = %d after a rejected table, want 1", p)
			}
		})
	}
}

func TestSetRequestsUnknownApplication(t *testing.T) {
	s := newTestScheduler(t, nil)
	err := s.SetRequests("ghost", []Request{{Capability: res(1*gb, 1), Count: 1}})
	if !errors.Is(err, ErrUnknownApplication) || !strings.Contains(err.Error(), `"ghost"`) {
		t.Fatalf("SetRequests = %v, want ErrUnknownApplication naming the attempt", err)
	}
}

func TestSetRequestsKeepsCallerSlices(t *testing.T) {
	s := newTestScheduler(t, nil)
	mustAddNode(t, s, "n1", res(8*gb, 8))
	mustAddNode(t, s, "n2", res(8*gb, 8))
	mustAddApp(t, s, "app", "default")
	nodes := []string{"n2"}
	mustSetRequests(t, s, "app", Request{Capability: res(1*gb, 1), Count: 1, Nodes: nodes})
	// The caller reusing its slice must not change the ask.
	nodes[0] = "n1"
	if got := s.NodeUpdate("n1"); len(got) != 0 {
		t.Fatalf("ask followed the caller's slice: %v", got)
	}
	if got := s.NodeUpdate("n2"); len(got) != 1 {
		t.Fatalf("NodeUpdate(n2) = %v, want one container", got)
	}
}
