package scheduler

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// twoNodeCluster places four 2 GiB containers of "app" on each of n1 and
// n2 and returns them.
func twoNodeCluster(t *testing.T) (*Scheduler, []Allocation) {
	t.Helper()
	s := newTestScheduler(t, nil)
	mustAddNode(t, s, "n1", res(8*gb, 8))
	mustAddNode(t, s, "n2", res(8*gb, 8))
	mustAddApp(t, s, "app", "default")
	mustSetRequests(t, s, "app", Request{Capability: res(2*gb, 1), Count: 8})
	allocs := s.Schedule()
	if len(allocs) != 8 {
		t.Fatalf("Schedule placed %d containers, want 8", len(allocs))
	}
	return s, allocs
}

func TestRelease(t *testing.T) {
	s, allocs := twoNodeCluster(t)
	c := allocs[0]
	got, ok := s.Release(c.ContainerID)
	if !ok || got != c {
		t.Fatalf("Release = %+v, %v; want %+v, true", got, ok, c)
	}
	if _, ok := s.Release(c.ContainerID); ok {
		t.Error("second Release of the same container succeeded")
	}
	if _, ok := s.Release("no-such-container"); ok {
		t.Error("Release of an unknown container succeeded")
	}
	n := mustNode(t, s, c.NodeID)
	if n.Used != res(6*gb, 3) || n.Containers != 3 {
		t.Errorf("node after release = %+v", n)
	}
	if _, used := s.ClusterResource(); used != res(14*gb, 7) {
		t.Errorf("cluster used = %s, want <memory:14336, vCores:7>", used)
	}
	if u := mustApp(t, s, "app").Used; u != res(14*gb, 7) {
		t.Errorf("attempt used = %s", u)
	}
	if u := queueReport(t, s, "default").Used; u != res(14*gb, 7) {
		t.Errorf("queue used = %s", u)
	}
	// The freed room is usable again.
	mustSetRequests(t, s, "app", Request{Capability: res(2*gb, 1), Count: 1})
	if got := s.NodeUpdate(c.NodeID); len(got) != 1 {
		t.Errorf("NodeUpdate after release = %v, want one container", got)
	}
	checkInvariants(t, s)
}

func TestRemoveNode(t *testing.T) {
	s, allocs := twoNodeCluster(t)
	var want []string
	for _, a := range allocs {
		if a.NodeID == "n1" {
			want = append(want, a.ContainerID)
		}
	}
	var got []string
	for _, a := range s.RemoveNode("n1") {
		got = append(got, a.ContainerID)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) || len(got) != 4 {
		t.Fatalf("RemoveNode returned %v, want %v", got, want)
	}
	if _, ok := s.Node("n1"); ok {
		t.Error("n1 still reported")
	}
	for _, id := range got {
		if _, ok := s.Release(id); ok {
			t.Errorf("container %q on the removed node could be released", id)
		}
	}
	total, used := s.ClusterResource()
	if total != res(8*gb, 8) || used != res(8*gb, 4) {
		t.Errorf("cluster = %s/%s, want <memory:8192, vCores:4>/<memory:8192, vCores:8>", used, total)
	}
	if a := mustApp(t, s, "app"); a.Used != res(8*gb, 4) || a.Containers != 4 {
		t.Errorf("attempt after node removal = %+v", a)
	}
	if got := s.RemoveNode("n1"); got != nil {
		t.Errorf("second RemoveNode = %v", got)
	}
	if got := s.NodeUpdate("n1"); got != nil {
		t.Errorf("NodeUpdate on removed node = %v", got)
	}
	checkInvariants(t, s)
}

func TestAddNodeReplaces(t *testing.T) {
	s, _ := twoNodeCluster(t)
	mustAddNode(t, s, "n1", res(16*gb, 4))
	n := mustNode(t, s, "n1")
	if n.Total != res(16*gb, 4) || !n.Used.IsZero() || n.Containers != 0 {
		t.Fatalf("re-added node = %+v", n)
	}
	total, used := s.ClusterResource()
	if total != res(24*gb, 12) || used != res(8*gb, 4) {
		t.Errorf("cluster = %s/%s", used, total)
	}
	if len(s.Nodes()) != 2 {
		t.Errorf("Nodes() = %+v, want two", s.Nodes())
	}
	checkInvariants(t, s)
}

func TestAddNodeInvalid(t *testing.T) {
	s := newTestScheduler(t, nil)
	tests := []struct {
		id    string
		total Resource
	}{
		{"", res(1*gb, 1)},
		{"n1", Resource{}},
		{"n1", res(1*gb, 0)},
		{"n1", res(-1, 4)},
	}
	for _, tt := range tests {
		err := s.AddNode(tt.id, tt.total)
		if !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("AddNode(%q, %s) = %v, want ErrInvalidRequest", tt.id, tt.total, err)
		}
	}
	if len(s.Nodes()) != 0 {
		t.Errorf("invalid nodes were added: %+v", s.Nodes())
	}
}

func TestRemoveApplication(t *testing.T) {
	s, allocs := twoNodeCluster(t)
	mustAddApp(t, s, "other", "default")
	mustSetRequests(t, s, "app", Request{Capability: res(1*gb, 1), Count: 7})
	got := s.RemoveApplication("app")
	if len(got) != len(allocs) {
		t.Fatalf("RemoveApplication returned %d containers, want %d", len(got), len(allocs))
	}
	if _, used := s.ClusterResource(); !used.IsZero() {
		t.Errorf("cluster used = %s after removing the only attempt with containers", used)
	}
	for _, n := range s.Nodes() {
		if !n.Used.IsZero() || n.Containers != 0 {
			t.Errorf("node %+v not freed", n)
		}
	}
	q := queueReport(t, s, "default")
	if !q.Used.IsZero() || q.Pending != 0 || fmt.Sprint(q.Applications) != "[other]" {
		t.Errorf("queue after removal = %+v", q)
	}
	if err := s.SetRequests("app", nil); !errors.Is(err, ErrUnknownApplication) {
		t.Errorf("SetRequests on removed attempt = %v, want ErrUnknownApplication", err)
	}
	if got := s.RemoveApplication("app"); got != nil {
		t.Errorf("second RemoveApplication = %v", got)
	}
	// Nothing of the removed attempt is scheduled any more.
	if got := s.Schedule(); len(got) != 0 {
		t.Errorf("Schedule after removal = %v", got)
	}
	checkInvariants(t, s)
}

func TestAddApplicationErrors(t *testing.T) {
	s := newTestScheduler(t, nil)
	mustAddApp(t, s, "app", "default")
	if err := s.AddApplication("app", "default"); !errors.Is(err, ErrApplicationExists) {
		t.Errorf("duplicate AddApplication = %v, want ErrApplicationExists", err)
	}
	if err := s.AddApplication("", "default"); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("AddApplication with empty id = %v, want ErrInvalidRequest", err)
	}
	if n := len(queueReport(t, s, "default").Applications); n != 1 {
		t.Errorf("queue holds %d attempts, want 1", n)
	}
}

func TestContainerIDs(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string, int64) string
		want []string
	}{
		{"default", nil, []string{"a_000001", "a_000002", "b_000001"}},
		{"custom", func(a string, seq int64) string { return fmt.Sprintf("container_%s_%d", a, seq) },
			[]string{"container_a_1", "container_a_2", "container_b_1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestScheduler(t, func(c *Config) { c.ContainerID = tt.fn })
			mustAddNode(t, s, "n1", res(8*gb, 8))
			mustAddApp(t, s, "a", "default")
			mustAddApp(t, s, "b", "default")
			mustSetRequests(t, s, "a", Request{Capability: res(1*gb, 1), Count: 2})
			mustSetRequests(t, s, "b", Request{Capability: res(1*gb, 1), Count: 1})
			var got []string
			for _, a := range s.NodeUpdate("n1") {
				got = append(got, a.ContainerID)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("container ids = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDuplicateContainerIDsNeverOverwrite(t *testing.T) {
	s := newTestScheduler(t, func(c *Config) {
		c.ContainerID = func(string, int64) string { return "same" }
	})
	mustAddNode(t, s, "n1", res(8*gb, 8))
	mustAddApp(t, s, "a", "default")
	mustSetRequests(t, s, "a", Request{Capability: res(1*gb, 1), Count: 5})
	if got := s.NodeUpdate("n1"); len(got) != 1 {
		t.Fatalf("NodeUpdate = %v, want only the first container", got)
	}
	if p := mustApp(t, s, "a").Pending; p != 4 {
		t.Errorf("pending = %d, want 4", p)
	}
	checkInvariants(t, s)
}

func TestDefaultContainerIDMatchesSprintf(t *testing.T) {
	for _, seq := range []int64{0, 1, 42, 999999, 1000000, 1234567890, -5, -123456} {
		if got, want := DefaultContainerID("appattempt_1_0001_000001", seq), fmt.Sprintf("%s_%06d", "appattempt_1_0001_000001", seq); got != want {
			t.Errorf("DefaultContainerID(seq=%d) = %q, want %q", seq, got, want)
		}
	}
}

func TestUpdateNodeResource(t *testing.T) {
	s, _ := twoNodeCluster(t) // n1 uses <memory:8192, vCores:4> of 8 GiB/8
	tests := []struct {
		name    string
		id      string
		total   Resource
		wantErr error
		mention []string
	}{
		{"grow", "n1", res(16*gb, 8), nil, nil},
		{"shrink to what is used", "n1", res(8*gb, 4), nil, nil},
		{"below memory used", "n1", res(6*gb, 8), ErrInvalidRequest, []string{`"n1"`, "<memory:6144, vCores:8>", "<memory:8192, vCores:4>", "4 containers"}},
		{"below vcores used", "n1", res(16*gb, 3), ErrInvalidRequest, []string{"<memory:16384, vCores:3>"}},
		{"not positive", "n1", res(0, 8), ErrInvalidRequest, []string{"<memory:0, vCores:8>"}},
		{"unknown node", "n9", res(8*gb, 8), ErrUnknownNode, []string{`"n9"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := s.Node("n1")
			err := s.UpdateNodeResource(tt.id, tt.total)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("UpdateNodeResource = %v, want %v", err, tt.wantErr)
			}
			for _, w := range tt.mention {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			after := mustNode(t, s, "n1")
			if tt.wantErr == nil && after.Total != tt.total {
				t.Errorf("node total = %s, want %s", after.Total, tt.total)
			}
			if tt.wantErr != nil && after != before {
				t.Errorf("failed update changed the node: %+v -> %+v", before, after)
			}
			checkInvariants(t, s)
		})
	}
	// Growing the node makes room that the next heartbeat fills.
	if err := s.UpdateNodeResource("n1", res(12*gb, 8)); err != nil {
		t.Fatal(err)
	}
	mustSetRequests(t, s, "app", Request{Capability: res(2*gb, 1), Count: 5})
	if got := s.NodeUpdate("n1"); len(got) != 2 {
		t.Errorf("NodeUpdate after growing placed %d containers, want 2", len(got))
	}
	if total, _ := s.ClusterResource(); total != res(20*gb, 16) {
		t.Errorf("cluster total = %s, want <memory:20480, vCores:16>", total)
	}
}
