package scheduler

import (
	"errors"
	"testing"
)

// TestApplicationPriority: in one queue, an attempt with a higher priority
// is served before attempts added earlier, and attempts of equal priority
// in the order they were added.
func TestApplicationPriority(t *testing.T) {
	s := newTestScheduler(t, nil)
	mustAddNode(t, s, "n1", res(2*gb, 2))
	for _, a := range []string{"first", "second", "urgent", "third"} {
		mustAddApp(t, s, a, "default")
		mustSetRequests(t, s, a, Request{Priority: 1, Capability: res(2*gb, 1), Count: 1})
	}
	if err := s.SetPriority("urgent", 5); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPriority("third", -1); err != nil {
		t.Fatal(err)
	}
	var order []string
	for range 4 {
		got := s.NodeUpdate("n1")
		if len(got) != 1 {
			t.Fatalf("allocations %v, want one (the node holds one container)", got)
		}
		order = append(order, got[0].AttemptID)
		s.RemoveApplication(got[0].AttemptID)
	}
	want := []string{"urgent", "first", "second", "third"}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("served %v, want %v", order, want)
		}
	}
	if err := s.SetPriority("gone", 1); !errors.Is(err, ErrUnknownApplication) {
		t.Fatalf("unknown attempt: %v", err)
	}
}
