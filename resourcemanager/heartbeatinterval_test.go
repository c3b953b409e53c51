package resourcemanager_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/resourcemanager"
)

// TestHeartbeatIntervalGrowsWithTheCluster registers more nodes than the
// RM wants heartbeats a second at the configured interval and checks that
// each node is told to heartbeat less often, never more than a third of
// the liveness expiry apart, and that AMs are told the count of running
// nodes as nodes come and go.
func TestHeartbeatIntervalGrowsWithTheCluster(t *testing.T) {
	rm := startRMWith(t, nil, func(c *resourcemanager.Config) {
		c.HeartbeatInterval = 100 * time.Millisecond
		c.NodeExpiry = 3 * time.Second
		// 10 heartbeats a second: 1 node at 100 ms, 5 nodes at 500 ms.
		c.MaxHeartbeatsPerSecond = 10
	})
	addrs := rm.Addresses()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	heartbeat := func(tracker pb.ResourceTrackerClient, id string) time.Duration {
		t.Helper()
		resp, err := tracker.NodeHeartbeat(ctx, &pb.NodeHeartbeatRequest{NodeId: id, Healthy: true})
		if err != nil {
			t.Fatalf("heartbeat of %s: %v", id, err)
		}
		return time.Duration(resp.GetHeartbeatIntervalMs()) * time.Millisecond
	}
	tracker := registerNode(t, addrs.Tracker, "127.0.0.1:1")
	if got := heartbeat(tracker, "127.0.0.1:1"); got != 100*time.Millisecond {
		t.Errorf("one node: interval %v, want the configured 100ms", got)
	}
	for i := 2; i <= 5; i++ {
		registerNode(t, addrs.Tracker, fmt.Sprintf("127.0.0.1:%d", i))
	}
	if got := heartbeat(tracker, "127.0.0.1:1"); got != 500*time.Millisecond {
		t.Errorf("five nodes at 10 heartbeats/s: interval %v, want 500ms", got)
	}
	for i := 6; i <= 40; i++ {
		registerNode(t, addrs.Tracker, fmt.Sprintf("127.0.0.1:%d", i))
	}
	if got := heartbeat(tracker, "127.0.0.1:1"); got != time.Second {
		t.Errorf("forty nodes: interval %v, want a third of the 3s expiry", got)
	}

	app := submitApp(t, addrs.Client, &pb.ApplicationSubmissionContext{Name: "counts", Queue: "default"}, nil)
	app.register(t)
	count := func() int32 {
		t.Helper()
		resp, err := app.am.Allocate(app.ctx, &pb.AllocateRequest{})
		if err != nil {
			t.Fatalf("allocate: %v", err)
		}
		return resp.GetNumClusterNodes()
	}
	if n := count(); n != 40 {
		t.Errorf("AM told of %d nodes, want 40", n)
	}
	if _, err := tracker.UnRegisterNodeManager(ctx, &pb.UnRegisterNodeManagerRequest{NodeId: "127.0.0.1:2"}); err != nil {
		t.Fatal(err)
	}
	// A node registering again is counted once.
	registerNode(t, addrs.Tracker, "127.0.0.1:3")
	if n := count(); n != 39 {
		t.Errorf("after one node left and one registered again, AM told of %d nodes, want 39", n)
	}
}
