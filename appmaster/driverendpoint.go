package appmaster

import (
	"context"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// DriverEndpoint serves the Task protocol where the driver lives: executors
// register and heartbeat there, and an AM asks it whether the driver is done.
type DriverEndpoint struct {
	pb.UnimplementedTaskServer

	mu         sync.Mutex
	executors  map[string]time.Time // executor id → last contact
	released   map[string]bool
	finished   bool
	succeeded  bool
	diagnostic string
}

// NewDriverEndpoint returns an endpoint with no executors.
func NewDriverEndpoint() *DriverEndpoint {
	return &DriverEndpoint{executors: map[string]time.Time{}, released: map[string]bool{}}
}

// RegisterExecutor records an executor as registered.
func (d *DriverEndpoint) RegisterExecutor(ctx context.Context, req *pb.RegisterExecutorRequest) (*pb.RegisterExecutorResponse, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.executors[req.GetExecutorId()] = time.Now()
	return &pb.RegisterExecutorResponse{}, nil
}

// ExecutorHeartbeat records contact and tells a released executor to exit.
func (d *DriverEndpoint) ExecutorHeartbeat(ctx context.Context, req *pb.ExecutorHeartbeatRequest) (*pb.ExecutorHeartbeatResponse, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	id := req.GetExecutorId()
	if _, ok := d.executors[id]; ok {
		d.executors[id] = time.Now()
	}
	return &pb.ExecutorHeartbeatResponse{Shutdown: d.finished || d.released[id]}, nil
}

// DriverStatus reports whether the driver has finished.
func (d *DriverEndpoint) DriverStatus(ctx context.Context, _ *pb.DriverStatusRequest) (*pb.DriverStatusResponse, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return &pb.DriverStatusResponse{Finished: d.finished, Succeeded: d.succeeded, Diagnostics: d.diagnostic}, nil
}

// Registered reports whether executor id has registered.
func (d *DriverEndpoint) Registered(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.executors[id]
	return ok
}

// RegisteredCount is the number of registered, not released executors.
func (d *DriverEndpoint) RegisteredCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for id := range d.executors {
		if !d.released[id] {
			n++
		}
	}
	return n
}

// Release tells executor id to exit at its next heartbeat.
func (d *DriverEndpoint) Release(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.released[id] = true
}

// Finish records the driver's end; executors are told to exit.
func (d *DriverEndpoint) Finish(succeeded bool, diagnostic string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.finished, d.succeeded, d.diagnostic = true, succeeded, diagnostic
}
