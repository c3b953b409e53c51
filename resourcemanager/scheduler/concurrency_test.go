package scheduler

import (
	"fmt"
	"sync"
	"testing"
)

func TestConcurrentUse(t *testing.T) {
	s := newTestScheduler(t, func(c *Config) {
		c.Queues = []QueueConfig{{Name: "a", Capacity: 60}}
		c.NodeLocalityDelay = 2
	})
	for i := range 8 {
		mustAddNode(t, s, fmt.Sprintf("n%d", i), res(16*gb, 8))
	}
	var wg sync.WaitGroup
	// Each ApplicationMaster keeps asking and releases what it gets.
	for w := range 4 {
		wg.Go(func() {
			id := fmt.Sprintf("app%d", w)
			queue := []string{"a", DefaultQueue}[w%2]
			if err := s.AddApplication(id, queue); err != nil {
				t.Errorf("AddApplication: %v", err)
				return
			}
			for i := range 200 {
				err := s.SetRequests(id, []Request{
					{Priority: 1, Capability: res(int64(1+i%3)*gb, 1), Count: 3},
					{Priority: 2, Capability: res(1*gb, 1), Count: 2, Nodes: []string{fmt.Sprintf("n%d", i%8)}, RelaxLocality: i%2 == 0},
				})
				if err != nil {
					t.Errorf("SetRequests: %v", err)
					return
				}
				for _, a := range s.Schedule() {
					if a.AttemptID == id && i%3 == 0 {
						s.Release(a.ContainerID)
					}
				}
				if i%50 == 49 {
					s.RemoveApplication(id)
					if err := s.AddApplication(id, queue); err != nil {
						t.Errorf("AddApplication: %v", err)
						return
					}
				}
			}
		})
	}
	// NodeManagers heartbeat, and one of them restarts now and then.
	for w := range 2 {
		wg.Go(func() {
			for i := range 400 {
				id := fmt.Sprintf("n%d", (i+w)%8)
				for _, a := range s.NodeUpdate(id) {
					if i%2 == 0 {
						s.Release(a.ContainerID)
					}
				}
				if i%100 == 99 {
					s.RemoveNode(id)
					if err := s.AddNode(id, res(16*gb, 8)); err != nil {
						t.Errorf("AddNode: %v", err)
						return
					}
				}
				s.Nodes()
				s.Queues()
				s.ClusterResource()
			}
		})
	}
	wg.Wait()
	checkInvariants(t, s)
	if total, _ := s.ClusterResource(); total != res(8*16*gb, 64) {
		t.Errorf("cluster total = %s", total)
	}
}
