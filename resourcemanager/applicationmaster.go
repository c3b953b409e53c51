package resourcemanager

import (
	"context"
	"fmt"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/resourcemanager/scheduler"
	"github.com/spindlehq/spindle/token"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// amService serves ApplicationMaster (AM → RM). Every call is authenticated
// by the attempt token in its metadata.
type amService struct {
	pb.UnimplementedApplicationMasterServer
	rm *ResourceManager
}

// authenticate returns the caller's attempt; rm.mu must be held.
func (s *amService) authenticate(ctx context.Context) (*rmAttempt, error) {
	tok, err := token.AttemptFromIncoming(ctx)
	if err != nil {
		return nil, status.Errorf(codes.Unauthenticated, "ApplicationMaster call without a valid attempt token: %v", err)
	}
	return s.rm.attemptForToken(tok)
}

func (s *amService) RegisterApplicationMaster(ctx context.Context, req *pb.RegisterApplicationMasterRequest) (*pb.RegisterApplicationMasterResponse, error) {
	rm := s.rm
	rm.mu.Lock()
	defer rm.mu.Unlock()
	t, err := s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	if t.finished() || t.app.finished() {
		return nil, status.Errorf(codes.FailedPrecondition, "register %s: the attempt has ended (%v)", t.id, t.state)
	}
	t.state = pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_RUNNING
	t.host, t.rpcPort, t.trackingURL = req.GetHost(), req.GetRpcPort(), req.GetTrackingUrl()
	if t.app.startTime.IsZero() {
		t.app.startTime = time.Now()
	}
	t.app.state = pb.ApplicationState_APPLICATION_STATE_RUNNING
	if err := rm.persistLocked(t.app); err != nil {
		return nil, rm.writeError("register "+t.id, err)
	}
	rm.lg.Info("application master registered", zap.String("app", t.app.id), zap.String("attempt", t.id), zap.String("host", t.host))
	max := rm.cfg.Scheduler.MaximumAllocation
	return &pb.RegisterApplicationMasterResponse{
		MaximumCapability: &pb.Resource{MemoryMb: max.MemoryMB, Vcores: max.VCores},
		Queue:             t.app.ctx.GetQueue(),
	}, nil
}

func (s *amService) Allocate(ctx context.Context, req *pb.AllocateRequest) (*pb.AllocateResponse, error) {
	rm := s.rm
	rm.mu.Lock()
	t, err := s.authenticate(ctx)
	if err != nil {
		rm.mu.Unlock()
		return nil, err
	}
	if t.finished() || t.app.finished() {
		rm.mu.Unlock()
		return &pb.AllocateResponse{AmCommand: pb.AMCommand_AM_COMMAND_SHUTDOWN}, nil
	}
	if t.state != pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_RUNNING {
		rm.mu.Unlock()
		return nil, status.Errorf(codes.FailedPrecondition, "allocate %s: call RegisterApplicationMaster first", t.id)
	}
	t.app.progress = req.GetProgress()
	t.lastAllocate = time.Now()
	for _, id := range req.GetReleases() {
		if c, ok := rm.containers[id]; ok && c.attemptID == t.id {
			rm.killLocked(c, launch.ExitAborted, diagReleasedByApp)
		}
	}
	reqs := make([]scheduler.Request, 0, len(req.GetAsks()))
	for _, a := range req.GetAsks() {
		overhead := launch.Overhead(a.GetCapability().GetMemoryMb(), a.GetMemoryOverheadMb())
		t.overheads[a.GetPriority()] = overhead
		reqs = append(reqs, scheduler.Request{
			Priority:      a.GetPriority(),
			Capability:    scheduler.Resource{MemoryMB: a.GetCapability().GetMemoryMb() + overhead, VCores: a.GetCapability().GetVcores()},
			Count:         int(a.GetNumContainers()),
			Nodes:         a.GetNodes(),
			RelaxLocality: a.GetRelaxLocality() || len(a.GetNodes()) == 0,
		})
	}
	attemptID := t.id
	rm.mu.Unlock()

	if err := rm.sched.SetRequests(attemptID, reqs); err != nil {
		rm.mu.Lock()
		t.refusal = fmt.Sprintf("Asks refused: %v", err)
		rm.mu.Unlock()
		return nil, status.Errorf(codes.InvalidArgument, "allocate %s: %v", attemptID, err)
	}
	rm.allocate(rm.sched.Schedule())

	rm.mu.Lock()
	defer rm.mu.Unlock()
	if len(reqs) > 0 {
		// Asks were accepted; an AM that sends none may be waiting to ask
		// again after a refusal, which stays in the diagnostics until then.
		t.refusal = ""
	}
	t.responseID++
	total, used := rm.sched.ClusterResource()
	resp := &pb.AllocateResponse{
		ResponseId:                 t.responseID,
		AllocatedContainers:        t.allocated,
		CompletedContainerStatuses: t.completed,
		Available:                  resourceToPB(total.Sub(used)),
	}
	for _, c := range t.allocated {
		if rc, ok := rm.containers[c.GetId()]; ok && rc.state == containerAllocated {
			rc.state = containerAcquired
		}
	}
	t.allocated, t.completed = nil, nil
	resp.NumClusterNodes = int32(rm.runningNodes)
	resp.AmRmToken = rm.renewAttemptTokenLocked(t)
	return resp, nil
}

func (s *amService) FinishApplicationMaster(ctx context.Context, req *pb.FinishApplicationMasterRequest) (*pb.FinishApplicationMasterResponse, error) {
	rm := s.rm
	rm.mu.Lock()
	defer rm.mu.Unlock()
	t, err := s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	if t.app.finished() {
		return &pb.FinishApplicationMasterResponse{IsUnregistered: true}, nil
	}
	if t.finished() {
		// An attempt the RM has ended (its node lost, its AM given up on)
		// may still run, cut off: it must not end the application that a
		// newer attempt now runs.
		return nil, status.Errorf(codes.FailedPrecondition, "finish %s: the attempt has ended (%v): %s", t.id, t.state, t.diagnostics)
	}
	t.trackingURL = req.GetTrackingUrl()
	t.unregistered = true
	state := pb.ApplicationState_APPLICATION_STATE_FINISHED
	switch req.GetFinalStatus() {
	case pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_FAILED:
		state = pb.ApplicationState_APPLICATION_STATE_FAILED
	case pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_KILLED:
		state = pb.ApplicationState_APPLICATION_STATE_KILLED
	case pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED:
	default:
		return nil, status.Errorf(codes.InvalidArgument, "finish %s: final status %v: want SUCCEEDED, FAILED or KILLED", t.id, req.GetFinalStatus())
	}
	// An AM's own verdict is final, supervised or not, as in YARN: a
	// failure it unregisters with (a checkpoint the driver cannot resume
	// from, executors that keep failing) would be repeated by a relaunch.
	rm.finishLocked(t.app, state, req.GetFinalStatus(), req.GetDiagnostics())
	return &pb.FinishApplicationMasterResponse{IsUnregistered: true}, nil
}
