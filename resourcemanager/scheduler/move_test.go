package scheduler

import (
	"errors"
	"slices"
	"testing"
)

func TestMoveApplicationAndPriority(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Queues = []QueueConfig{{Name: "a", Capacity: 50}, {Name: "b", Capacity: 50}}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddNode("n1:1", Resource{MemoryMB: 4096, VCores: 4}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"t1", "t2", "t3"} {
		if err := s.AddApplication(id, "a"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetRequests("t1", []Request{{Priority: 1, Capability: Resource{MemoryMB: 512, VCores: 1}, Count: 2, RelaxLocality: true}}); err != nil {
		t.Fatal(err)
	}
	s.Schedule()
	if err := s.SetPriority("t3", 5); err != nil {
		t.Fatal(err)
	}
	if got := queueApps(s, "a"); !slices.Equal(got, []string{"t3", "t1", "t2"}) {
		t.Errorf("queue a after raising t3's priority: %v, want [t3 t1 t2]", got)
	}
	used := queueUsed(s, "a")
	if used.MemoryMB == 0 {
		t.Fatal("t1 got no containers")
	}
	if err := s.MoveApplication("t1", "b"); err != nil {
		t.Fatal(err)
	}
	if got := queueApps(s, "b"); !slices.Equal(got, []string{"t1"}) {
		t.Errorf("queue b: %v, want [t1]", got)
	}
	if got := queueUsed(s, "b"); got != used {
		t.Errorf("queue b used %v, want t1's %v", got, used)
	}
	if got := queueUsed(s, "a"); !got.IsZero() {
		t.Errorf("queue a used %v after the move, want nothing", got)
	}
	if err := s.MoveApplication("t1", "nosuch"); !errors.Is(err, ErrUnknownQueue) {
		t.Errorf("move to an unknown queue: %v, want ErrUnknownQueue", err)
	}
	if err := s.SetPriority("nosuch", 1); !errors.Is(err, ErrUnknownApplication) {
		t.Errorf("priority of an unknown attempt: %v, want ErrUnknownApplication", err)
	}
}

func queueApps(s *Scheduler, name string) []string {
	for _, q := range s.Queues() {
		if q.Name == name {
			return q.Applications
		}
	}
	return nil
}

func queueUsed(s *Scheduler, name string) Resource {
	for _, q := range s.Queues() {
		if q.Name == name {
			return q.Used
		}
	}
	return Resource{}
}
