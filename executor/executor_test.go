package executor

import (
	"context"
	"errors"
	"net"
	"strings"
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
		if err := ep.Launch("1", &pb.LaunchTask{TaskId: string(rune('a' + i)), Attempt: 1, Tid: int64(i + 1)}); err != nil {
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

// blockingRunner runs until its task is killed, counting the runs.
type blockingRunner struct {
	mu      sync.Mutex
	runs    int
	started chan int64
}

func (r *blockingRunner) RunTask(ctx context.Context, t *pb.LaunchTask) *pb.TaskStatus {
	r.mu.Lock()
	r.runs++
	r.mu.Unlock()
	r.started <- t.GetTid()
	<-ctx.Done()
	return &pb.TaskStatus{Error: "killed: " + ctx.Err().Error()}
}

// TestExecutorRunsALaunchOnceAndStopsItWhenKilled: a launch sent twice
// runs once; a kill stops it and its end is reported; a kill of a launch
// still waiting for a core ends it without running it.
func TestExecutorRunsALaunchOnceAndStopsItWhenKilled(t *testing.T) {
	ep, addr := startEndpoint(t)
	statuses := make(chan *pb.TaskStatus, 8)
	added := make(chan struct{}, 1)
	ep.OnEvent(func(ev driver.Event) {
		if ev.Added {
			added <- struct{}{}
		}
		if ev.Status != nil {
			statuses <- ev.Status
		}
	})
	r := &blockingRunner{started: make(chan int64, 4)}
	cfg := DefaultConfig()
	cfg.DriverAddress, cfg.ExecutorID, cfg.Cores, cfg.Runner = addr, "1", 1, r
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go Run(ctx, cfg)
	select {
	case <-added:
	case <-time.After(5 * time.Second):
		t.Fatal("executor did not register")
	}
	launch := func(tid int64) {
		if err := ep.Launch("1", &pb.LaunchTask{TaskId: "t", Attempt: 1, Tid: tid}); err != nil {
			t.Fatal(err)
		}
	}
	launch(7)
	select {
	case <-r.started:
	case <-time.After(5 * time.Second):
		t.Fatal("launch 7 did not start")
	}
	launch(7)
	launch(8)
	ep.Kill("1", 8, "not needed") // waiting for the only core
	ep.Kill("1", 7, "not needed")
	got := map[int64]string{}
	for range 2 {
		select {
		case st := <-statuses:
			got[st.GetTid()] = st.GetError()
		case <-time.After(5 * time.Second):
			t.Fatalf("statuses so far %v, want launches 7 and 8 ended", got)
		}
	}
	if !strings.Contains(got[7], "killed") || !strings.Contains(got[8], "stopped before it started") {
		t.Fatalf("statuses %v, want 7 killed while running and 8 stopped before it started", got)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.runs != 1 {
		t.Fatalf("the runner ran %d times, want once: a launch sent twice runs once, a killed waiting one never", r.runs)
	}
	select {
	case st := <-statuses:
		t.Fatalf("an extra status %v", st)
	default:
	}
}
