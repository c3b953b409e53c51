package executor

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/driver"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// countingRunner records concurrency and succeeds after a short delay.
type countingRunner struct {
	mu          sync.Mutex
	running, hi int
}

func (r *countingRunner) RunTask(ctx context.Context, t *pb.LaunchTask) *pb.TaskStatus {
	r.mu.Lock()
	r.running++
	r.hi = max(r.hi, r.running)
	r.mu.Unlock()
	time.Sleep(20 * time.Millisecond) // the task's own work
	r.mu.Lock()
	r.running--
	r.mu.Unlock()
	return &pb.TaskStatus{Succeeded: true, Aggregates: []*pb.KeyValue{{Key: t.GetTaskId(), Value: []byte("1")}}}
}

func startEndpoint(t *testing.T) (*driver.Endpoint, string) {
	t.Helper()
	ep := driver.NewEndpoint()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	pb.RegisterTaskServer(srv, ep)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return ep, lis.Addr().String()
}

// TestExecutorRunsTasksUpToItsCores: an executor with 2 cores runs 6 tasks
// at most 2 at a time, reports each, and exits when released.
func TestExecutorRunsTasksUpToItsCores(t *testing.T) {
	ep, addr := startEndpoint(t)
	var mu sync.Mutex
	added := make(chan string, 1)
	statuses := map[string]*pb.TaskStatus{}
	ep.OnEvent(func(ev driver.Event) {
		mu.Lock()
		defer mu.Unlock()
		if ev.Added {
			added <- ev.ExecutorID
		}
		if ev.Status != nil {
			statuses[ev.Status.GetTaskId()] = ev.Status
		}
	})
	r := &countingRunner{}
	cfg := DefaultConfig()
	cfg.DriverAddress, cfg.ExecutorID, cfg.Cores, cfg.Runner = addr, "1", 2, r
	cfg.HeartbeatInterval, cfg.Logger = 50*time.Millisecond, zap.NewNop()
	done := make(chan error, 1)
	go func() { done <- Run(context.Background(), cfg) }()
	select {
	case id := <-added:
		if id != "1" {
			t.Fatalf("registered as %q", id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("executor did not register")
	}
	for i := 0; i < 6; i++ {
		if err := ep.Launch("1", &pb.LaunchTask{TaskId: string(rune('a' + i)), Attempt: 1}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(statuses)
		mu.Unlock()
		if n == 6 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 6 statuses", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r.hi > 2 {
		t.Fatalf("ran %d tasks at once on 2 cores", r.hi)
	}
	if st := statuses["c"]; !st.GetSucceeded() || st.GetAttempt() != 1 || string(st.GetAggregates()[0].GetValue()) != "1" {
		t.Fatalf("status of c: %v", st)
	}
	ep.Release("1")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after release: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("executor did not exit when released")
	}
}

// TestExecutorGivesUpOnALostDriver: with no driver answering, Run returns
// ErrDriverLost after the timeout.
func TestExecutorGivesUpOnALostDriver(t *testing.T) {
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := lis.Addr().String()
	lis.Close()
	cfg := DefaultConfig()
	cfg.DriverAddress, cfg.ExecutorID = addr, "1"
	cfg.HeartbeatInterval, cfg.DriverTimeout = 20*time.Millisecond, 300*time.Millisecond
	start := time.Now()
	err := Run(context.Background(), cfg)
	if !errors.Is(err, ErrDriverLost) {
		t.Fatalf("Run = %v, want ErrDriverLost", err)
	}
	if time.Since(start) < 300*time.Millisecond {
		t.Fatalf("gave up after %v, before the timeout", time.Since(start))
	}
}
