//go:build linux

package sdk

import "testing"

func newTestLanes(t *testing.T) *lanePool {
	t.Helper()
	p, err := newLanePool()
	if err != nil {
		t.Fatalf("shared memory: %v", err)
	}
	t.Cleanup(p.close)
	return p
}

// TestAbandonedLaneWaitsForThePlugin: a lane whose call the host gave up on
// is not handed out again until the plugin has written that it is done
// with that call.
func TestAbandonedLaneWaitsForThePlugin(t *testing.T) {
	p := newTestLanes(t)
	var held []*lane
	for range laneCount {
		l := p.get()
		if l == nil {
			t.Fatalf("only %d of %d lanes handed out", len(held), laneCount)
		}
		held = append(held, l)
	}
	if l := p.get(); l != nil {
		t.Fatal("a lane beyond the pool was handed out")
	}
	abandoned := held[3]
	p.put(abandoned, false)
	if l := p.get(); l != nil {
		t.Fatal("an abandoned lane was handed out before the plugin finished with it")
	}
	// The plugin's side, finishing the call it was given.
	p.mem.finish(abandoned.toProto(0))
	l := p.get()
	if l != abandoned {
		t.Fatalf("got lane %v, want the abandoned one once the plugin is done", l)
	}
	if l.call <= uint64(laneCount) {
		t.Errorf("the lane's new call number %d repeats an earlier call's", l.call)
	}
	p.put(l, true)
	for _, l := range held {
		if l != abandoned {
			p.put(l, true)
		}
	}
}

// TestLargeCallGivesItsPagesBack: what a call wrote beyond the part of a
// lane that stays in memory reads as zeros afterwards (the pages are given
// back); the kept part is not.
func TestLargeCallGivesItsPagesBack(t *testing.T) {
	p := newTestLanes(t)
	l := p.get()
	far := laneKeepBytes + 1<<20
	l.buf[10], l.buf[far] = 1, 1
	l.used = far + 1
	p.put(l, true)
	if l.buf[far] != 0 {
		t.Error("a byte beyond the kept part of the lane survived the call")
	}
	if l.buf[10] != 1 {
		t.Error("a byte in the kept part of the lane was cleared")
	}
}

func TestClosedPoolHandsOutNothing(t *testing.T) {
	p := newTestLanes(t)
	p.close()
	if p.get() != nil {
		t.Fatal("a closed pool handed out a lane")
	}
	var none *lanePool
	if none.get() != nil {
		t.Fatal("a nil pool handed out a lane")
	}
	none.close()
}
