package resourcemanager

import (
	"context"
	"slices"

	"github.com/spindlehq/spindle/acl"
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/token"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// clientService serves ApplicationClient (client → RM).
type clientService struct {
	pb.UnimplementedApplicationClientServer
	rm *ResourceManager
}

func (s *clientService) GetNewApplication(ctx context.Context, _ *pb.GetNewApplicationRequest) (*pb.GetNewApplicationResponse, error) {
	max := s.rm.cfg.Scheduler.MaximumAllocation
	return &pb.GetNewApplicationResponse{
		ApplicationId:     s.rm.newApplicationID(),
		MaximumCapability: &pb.Resource{MemoryMb: max.MemoryMB, Vcores: max.VCores},
	}, nil
}

func (s *clientService) SubmitApplication(ctx context.Context, req *pb.SubmitApplicationRequest) (*pb.SubmitApplicationResponse, error) {
	if err := s.rm.checkClientSecret(ctx, "submit"); err != nil {
		return nil, err
	}
	if req.GetContext() == nil {
		return nil, status.Error(codes.InvalidArgument, "submit: the submission context is missing")
	}
	if err := s.rm.authorizeSubmit(ctx, req.GetContext()); err != nil {
		return nil, err
	}
	if err := s.rm.checkResourceAsks(req.GetContext()); err != nil {
		return nil, err
	}
	if err := s.rm.submit(req.GetContext()); err != nil {
		return nil, err
	}
	return &pb.SubmitApplicationResponse{}, nil
}

func (s *clientService) KillApplication(ctx context.Context, req *pb.KillApplicationRequest) (*pb.KillApplicationResponse, error) {
	rm := s.rm
	if err := rm.checkClientSecret(ctx, "kill "+req.GetApplicationId()); err != nil {
		return nil, err
	}
	if err := rm.checkApp(callerOf(ctx), acl.ModifyApp, req.GetApplicationId()); err != nil {
		return nil, err
	}
	if _, err := rm.killApplication(req.GetApplicationId(), req.GetDiagnostics()); err != nil {
		return nil, err
	}
	return &pb.KillApplicationResponse{IsKillCompleted: true}, nil
}

// killApplication ends an application as KILLED and returns its state
// afterwards; an application that had already ended keeps its state.
func (rm *ResourceManager) killApplication(appID, diag string) (pb.ApplicationState, error) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	app, ok := rm.apps[appID]
	if !ok {
		return 0, errApp(appID)
	}
	if diag == "" {
		diag = "Application killed by user."
	}
	rm.finishLocked(app, pb.ApplicationState_APPLICATION_STATE_KILLED, pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_KILLED, diag)
	return app.state, nil
}

func (s *clientService) GetApplicationReport(ctx context.Context, req *pb.GetApplicationReportRequest) (*pb.GetApplicationReportResponse, error) {
	r, err := s.rm.applicationReport(req.GetApplicationId())
	if err != nil {
		return nil, err
	}
	return &pb.GetApplicationReportResponse{Report: s.rm.reportsFor(callerOf(ctx), r)[0]}, nil
}

func (s *clientService) GetApplications(ctx context.Context, req *pb.GetApplicationsRequest) (*pb.GetApplicationsResponse, error) {
	return &pb.GetApplicationsResponse{Applications: s.rm.reportsFor(callerOf(ctx), s.rm.applications(req)...)}, nil
}

func (s *clientService) GetApplicationAttempts(ctx context.Context, req *pb.GetApplicationAttemptsRequest) (*pb.GetApplicationAttemptsResponse, error) {
	s.rm.mu.Lock()
	err := s.rm.checkAppLocked(callerOf(ctx), acl.ViewApp, req.GetApplicationId())
	s.rm.mu.Unlock()
	if err != nil {
		return nil, err
	}
	attempts, err := s.rm.attemptReports(req.GetApplicationId())
	if err != nil {
		return nil, err
	}
	return &pb.GetApplicationAttemptsResponse{Attempts: attempts}, nil
}

func (s *clientService) GetClusterNodes(ctx context.Context, req *pb.GetClusterNodesRequest) (*pb.GetClusterNodesResponse, error) {
	states := req.GetStates()
	if len(states) == 0 {
		states = []pb.NodeState{pb.NodeState_NODE_STATE_RUNNING}
	}
	var out []*pb.NodeReport
	for _, n := range s.rm.nodeReports() {
		if slices.Contains(states, n.GetState()) {
			out = append(out, n)
		}
	}
	return &pb.GetClusterNodesResponse{Nodes: out}, nil
}

func (s *clientService) GetClusterMetrics(ctx context.Context, _ *pb.GetClusterMetricsRequest) (*pb.GetClusterMetricsResponse, error) {
	return &pb.GetClusterMetricsResponse{Metrics: s.rm.clusterMetrics()}, nil
}

// checkResourceAsks refuses a submission whose AM or executors ask for
// containers larger than the scheduler's maximum allocation, with YARN's
// InvalidResourceRequestException wording, so that no client can create
// an application that would wait for its containers forever.
func (rm *ResourceManager) checkResourceAsks(sc *pb.ApplicationSubmissionContext) error {
	max := rm.cfg.Scheduler.MaximumAllocation
	maxPB := &pb.Resource{MemoryMb: max.MemoryMB, Vcores: max.VCores}
	var asks []launch.ResourceAsk
	if r := sc.GetAmResource(); !sc.GetUnmanagedAm() {
		asks = append(asks, launch.ResourceAsk{Role: "ApplicationMaster", MemoryMB: r.GetMemoryMb(), OverheadMB: sc.GetAmMemoryOverheadMb(), VCores: r.GetVcores(),
			MemoryKey: conf.KeyDriverMemory, OverheadKey: conf.KeyDriverMemoryOverhead, CoresKey: conf.KeyDriverCores})
	}
	if r := sc.GetExecutorResource(); r != nil {
		asks = append(asks, launch.ResourceAsk{Role: "executor", MemoryMB: r.GetMemoryMb(), OverheadMB: sc.GetExecutorMemoryOverheadMb(), VCores: r.GetVcores(),
			MemoryKey: conf.KeyExecutorMemory, OverheadKey: conf.KeyExecutorMemoryOverhead, CoresKey: conf.KeyExecutorCores})
	}
	for _, a := range asks {
		if err := a.CheckMaximum(maxPB); err != nil {
			rm.lg.Warn("submission refused: a container larger than the maximum allocation", zap.String("app", sc.GetApplicationId()), zap.Error(err))
			return status.Errorf(codes.InvalidArgument, "submit %s: %v", sc.GetApplicationId(), err)
		}
	}
	return nil
}

// nodeReports describes every node the RM has seen, sorted by id.
func (rm *ResourceManager) nodeReports() []*pb.NodeReport {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	out := make([]*pb.NodeReport, 0, len(rm.nodes))
	for _, n := range rm.nodes {
		r := &pb.NodeReport{
			NodeId:                 n.id,
			State:                  n.state,
			HttpAddress:            n.httpAddress,
			Rack:                   "/default-rack",
			Capability:             n.total,
			Used:                   &pb.Resource{},
			LastHealthUpdateUnixMs: n.lastHeartbeat.UnixMilli(),
			HealthReport:           n.healthReport,
		}
		if nr, ok := rm.sched.Node(n.id); ok && n.state == pb.NodeState_NODE_STATE_RUNNING {
			r.Used = resourceToPB(nr.Used)
			r.NumContainers = int32(nr.Containers)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *pb.NodeReport) int { return compareStrings(a.GetNodeId(), b.GetNodeId()) })
	return out
}

// clusterMetrics totals nodes, resources and applications.
func (rm *ResourceManager) clusterMetrics() *pb.ClusterMetrics {
	total, used := rm.sched.ClusterResource()
	m := &pb.ClusterMetrics{
		Total:     resourceToPB(total),
		Allocated: resourceToPB(used),
		Available: resourceToPB(total.Sub(used)),
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for _, n := range rm.nodes {
		switch n.state {
		case pb.NodeState_NODE_STATE_RUNNING:
			m.ActiveNodes++
		case pb.NodeState_NODE_STATE_LOST:
			m.LostNodes++
		case pb.NodeState_NODE_STATE_UNHEALTHY:
			m.UnhealthyNodes++
		case pb.NodeState_NODE_STATE_DECOMMISSIONED:
			m.DecommissionedNodes++
		case pb.NodeState_NODE_STATE_SHUTDOWN:
			m.ShutdownNodes++
		}
	}
	for _, c := range rm.containers {
		if c.state != containerCompleted {
			m.ContainersAllocated++
		}
	}
	for _, app := range rm.apps {
		m.AppsSubmitted++
		switch app.state {
		case pb.ApplicationState_APPLICATION_STATE_RUNNING:
			m.AppsRunning++
		case pb.ApplicationState_APPLICATION_STATE_FINISHED:
			m.AppsCompleted++
		case pb.ApplicationState_APPLICATION_STATE_FAILED:
			m.AppsFailed++
			m.AppsCompleted++
		case pb.ApplicationState_APPLICATION_STATE_KILLED:
			m.AppsKilled++
			m.AppsCompleted++
		default:
			m.AppsPending++
		}
	}
	return m
}

// checkClientSecret refuses a call without the configured client secret.
func (rm *ResourceManager) checkClientSecret(ctx context.Context, what string) error {
	if len(rm.clientSecret) == 0 || token.CheckClientSecret(ctx, rm.clientSecret) {
		return nil
	}
	rm.lg.Warn("client call refused: wrong or missing client secret", zap.String("call", what))
	return status.Errorf(codes.Unauthenticated, "%s: this ResourceManager requires the client secret: set spindle.client.secret-file to the cluster's client secret file", what)
}

func (s *clientService) GetContainers(ctx context.Context, req *pb.GetContainersRequest) (*pb.GetContainersResponse, error) {
	if at, err := ids.ParseAttemptID(req.GetApplicationAttemptId()); err == nil {
		if err := s.rm.checkApp(callerOf(ctx), acl.ViewApp, at.App.String()); err != nil && status.Code(err) != codes.NotFound {
			return nil, err
		}
	}
	out, err := s.rm.attemptContainers(req.GetApplicationAttemptId())
	if err != nil {
		return nil, err
	}
	return &pb.GetContainersResponse{Containers: out}, nil
}

func (s *clientService) GetContainerReport(ctx context.Context, req *pb.GetContainerReportRequest) (*pb.GetContainerReportResponse, error) {
	if cid, err := ids.ParseContainerID(req.GetContainerId()); err == nil {
		if err := s.rm.checkApp(callerOf(ctx), acl.ViewApp, cid.Attempt.App.String()); err != nil && status.Code(err) != codes.NotFound {
			return nil, err
		}
	}
	r, err := s.rm.containerReport(req.GetContainerId())
	if err != nil {
		return nil, err
	}
	return &pb.GetContainerReportResponse{Report: r}, nil
}

func (s *clientService) GetQueueInfo(ctx context.Context, req *pb.GetQueueInfoRequest) (*pb.GetQueueInfoResponse, error) {
	info, err := s.rm.queueInfoByName(req.GetQueueName())
	if err != nil {
		return nil, err
	}
	return &pb.GetQueueInfoResponse{Info: info}, nil
}

func (s *clientService) MoveApplicationAcrossQueues(ctx context.Context, req *pb.MoveApplicationAcrossQueuesRequest) (*pb.MoveApplicationAcrossQueuesResponse, error) {
	if err := s.rm.checkClientSecret(ctx, "move "+req.GetApplicationId()); err != nil {
		return nil, err
	}
	if err := s.rm.checkApp(callerOf(ctx), acl.ModifyApp, req.GetApplicationId()); err != nil {
		return nil, err
	}
	// As YARN's: the target queue must take the user's applications.
	if err := s.rm.acls().CheckSubmit(callerOf(ctx), req.GetTargetQueue()); err != nil {
		return nil, status.Errorf(codes.PermissionDenied, "move %s: %v", req.GetApplicationId(), err)
	}
	if err := s.rm.moveApplication(req.GetApplicationId(), req.GetTargetQueue()); err != nil {
		return nil, err
	}
	return &pb.MoveApplicationAcrossQueuesResponse{}, nil
}

func (s *clientService) UpdateApplicationPriority(ctx context.Context, req *pb.UpdateApplicationPriorityRequest) (*pb.UpdateApplicationPriorityResponse, error) {
	if err := s.rm.checkClientSecret(ctx, "update priority of "+req.GetApplicationId()); err != nil {
		return nil, err
	}
	if err := s.rm.checkApp(callerOf(ctx), acl.ModifyApp, req.GetApplicationId()); err != nil {
		return nil, err
	}
	if err := s.rm.updatePriority(req.GetApplicationId(), req.GetPriority()); err != nil {
		return nil, err
	}
	return &pb.UpdateApplicationPriorityResponse{Priority: req.GetPriority()}, nil
}
