package scheduler

import (
	"fmt"
	"testing"
)

// FuzzOperations drives a scheduler with an operation sequence decoded
// from the input and checks that no node is over-committed and that the
// bookkeeping adds up after every operation.
func FuzzOperations(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{0, 0, 9, 2, 1, 0, 3, 1, 2, 7, 7, 7, 6, 6, 6, 5, 1})
	f.Add([]byte("\x00\x10\x20\x02\x11\x03\x13\x24\x35\x07\x06\x17\x04\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newTestScheduler(t, func(c *Config) {
			c.Queues = []QueueConfig{{Name: "a", Capacity: 60, MaxCapacity: 80}}
			c.NodeLocalityDelay = 2
			c.MinimumAllocation = res(256, 1)
		})
		var live []string
		next := func() int {
			if len(data) == 0 {
				return 0
			}
			b := int(data[0])
			data = data[1:]
			return b
		}
		for len(data) > 0 {
			op := next()
			arg := next()
			node := fmt.Sprintf("n%d", arg%4)
			app := fmt.Sprintf("app%d", arg%3)
			switch op % 8 {
			case 0:
				_ = s.AddNode(node, res(int64(arg%9)*gb, int32(arg%5)))
			case 1:
				if arg%2 == 0 {
					s.RemoveNode(node)
				} else {
					_ = s.UpdateNodeResource(node, res(int64(next()%9)*gb, int32(arg%7)))
				}
			case 2:
				_ = s.AddApplication(app, []string{"a", DefaultQueue, "x"}[arg%3])
			case 3:
				s.RemoveApplication(app)
			case 4:
				v := next()
				_ = s.SetRequests(app, []Request{{
					Priority:      int32(v % 3),
					Capability:    res(int64(v*64)-512, int32(v%6)-1),
					Count:         int(arg%7) - 1,
					Nodes:         []string{node, ""}[:1+v%2*(arg%2)],
					RelaxLocality: v%2 == 0,
				}})
			case 5:
				if len(live) > 0 {
					s.Release(live[arg%len(live)])
				}
			case 6:
				for _, a := range s.NodeUpdate(node) {
					live = append(live, a.ContainerID)
				}
			case 7:
				for _, a := range s.Schedule() {
					live = append(live, a.ContainerID)
				}
			}
			if err := invariantError(s); err != nil {
				t.Fatalf("after op %d: %v", op%8, err)
			}
		}
	})
}
