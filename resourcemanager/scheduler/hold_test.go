package scheduler

import "testing"

// TestHoldKeepsTheRoomUntilRelease: a held container's room is not offered
// again after its attempt is removed, not even to a new attempt, until it
// is released; it counts against its node, not its queue.
func TestHoldKeepsTheRoomUntilRelease(t *testing.T) {
	s := newTestScheduler(t, nil)
	mustAddNode(t, s, "n1", res(4*gb, 4))
	mustAddApp(t, s, "killed", "default")
	mustSetRequests(t, s, "killed", Request{Capability: res(3*gb, 1), Count: 1})
	allocs := s.Schedule()
	if len(allocs) != 1 {
		t.Fatalf("Schedule placed %d containers, want 1", len(allocs))
	}
	id := allocs[0].ContainerID
	if !s.Hold(id) || !s.Hold(id) {
		t.Fatal("Hold of a live container reported false")
	}
	if s.Hold("no-such-container") {
		t.Error("Hold of an unknown container reported true")
	}
	if got := s.RemoveApplication("killed"); len(got) != 0 {
		t.Fatalf("RemoveApplication released the held container: %v", got)
	}
	checkInvariants(t, s)
	if u := queueReport(t, s, "default").Used; u != (Resource{}) {
		t.Errorf("queue used %s with only a held container, want nothing", u)
	}
	if h := s.Held(); h != res(3*gb, 1) {
		t.Errorf("Held() = %s, want <memory:3072, vCores:1>", h)
	}
	mustAddApp(t, s, "next", "default")
	mustSetRequests(t, s, "next", Request{Capability: res(2*gb, 1), Count: 1})
	if got := s.Schedule(); len(got) != 0 {
		t.Fatalf("a 2 GiB container was placed in the room of a held one: %v", got)
	}
	if _, ok := s.Release(id); !ok {
		t.Fatal("Release of the held container reported false")
	}
	checkInvariants(t, s)
	if got := s.Schedule(); len(got) != 1 {
		t.Fatalf("after the release Schedule placed %v, want one container", got)
	}
	checkInvariants(t, s)
}

// TestRemoveNodeFreesHeldContainers: a node that goes away takes its held
// containers with it.
func TestRemoveNodeFreesHeldContainers(t *testing.T) {
	s := newTestScheduler(t, nil)
	mustAddNode(t, s, "n1", res(4*gb, 4))
	mustAddApp(t, s, "app", "default")
	mustSetRequests(t, s, "app", Request{Capability: res(1*gb, 1), Count: 2})
	allocs := s.Schedule()
	if len(allocs) != 2 {
		t.Fatalf("Schedule placed %d containers, want 2", len(allocs))
	}
	s.Hold(allocs[0].ContainerID)
	if got := s.RemoveNode("n1"); len(got) != 2 {
		t.Fatalf("RemoveNode returned %v, want both containers", got)
	}
	checkInvariants(t, s)
	if h := s.Held(); h != (Resource{}) {
		t.Errorf("Held() = %s after the node left, want nothing", h)
	}
}

// TestHoldStray: a container the scheduler does not know is held on its
// node while it fits; one that would over-commit the node, or names an
// unknown node, is refused and changes nothing.
func TestHoldStray(t *testing.T) {
	s := newTestScheduler(t, nil)
	mustAddNode(t, s, "n1", res(4*gb, 4))
	stray := Allocation{ContainerID: "stray", AttemptID: "gone", NodeID: "n1", Resource: res(3*gb, 1)}
	if err := s.HoldStray(stray); err != nil {
		t.Fatalf("HoldStray: %v", err)
	}
	checkInvariants(t, s)
	if err := s.HoldStray(Allocation{ContainerID: "big", NodeID: "n1", Resource: res(2*gb, 1)}); err == nil {
		t.Error("HoldStray over-committed the node")
	}
	if err := s.HoldStray(Allocation{ContainerID: "x", NodeID: "n9", Resource: res(1, 1)}); err == nil {
		t.Error("HoldStray on an unknown node succeeded")
	}
	mustAddApp(t, s, "app", "default")
	mustSetRequests(t, s, "app", Request{Capability: res(2*gb, 1), Count: 1})
	if got := s.Schedule(); len(got) != 0 {
		t.Fatalf("placed %v in a stray container's room", got)
	}
	s.Release("stray")
	if got := s.Schedule(); len(got) != 1 {
		t.Fatalf("after the release Schedule placed %v, want one container", got)
	}
	checkInvariants(t, s)
}
