package nodemanager

import (
	"context"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/launch"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// containerService serves ContainerManagement (AM → NM).
type containerService struct {
	pb.UnimplementedContainerManagementServer
	nm *NodeManager
}

func (s *containerService) StartContainers(ctx context.Context, req *pb.StartContainersRequest) (*pb.StartContainersResponse, error) {
	resp := &pb.StartContainersResponse{}
	for _, r := range req.GetRequests() {
		id, err := s.nm.startContainer(ctx, r)
		if err != nil {
			resp.Failed = append(resp.Failed, containerError(id, err))
			continue
		}
		resp.Succeeded = append(resp.Succeeded, id)
	}
	return resp, nil
}

func (s *containerService) StopContainers(ctx context.Context, req *pb.StopContainersRequest) (*pb.StopContainersResponse, error) {
	grace := s.nm.cfg.SigkillDelay
	if req.GetGracePeriodMs() > 0 {
		grace = time.Duration(req.GetGracePeriodMs()) * time.Millisecond
	}
	resp := &pb.StopContainersResponse{}
	for _, tok := range req.GetContainerTokens() {
		// Only the holder of a container's token may stop it; an expired
		// token still proves that.
		ident, err := s.nm.verifyStopToken(tok)
		if err != nil {
			s.nm.lg.Warn("container stop refused", zap.String("container", claimedContainer(tok)), zap.String("remote", remoteOf(ctx)), zap.Error(err))
			resp.Failed = append(resp.Failed, containerError(ident.GetContainerId(), status.Errorf(codes.PermissionDenied, "stop container %s: %v", ident.GetContainerId(), err)))
			continue
		}
		s.nm.stopContainer(ident.GetContainerId(), grace, launch.ExitKilledByAppMaster, diagKilledByAM)
		resp.Succeeded = append(resp.Succeeded, ident.GetContainerId())
	}
	return resp, nil
}

func (s *containerService) GetContainerStatuses(ctx context.Context, req *pb.GetContainerStatusesRequest) (*pb.GetContainerStatusesResponse, error) {
	resp := &pb.GetContainerStatusesResponse{}
	s.nm.mu.Lock()
	defer s.nm.mu.Unlock()
	for _, id := range req.GetContainerIds() {
		c, ok := s.nm.containers[id]
		if !ok {
			resp.Failed = append(resp.Failed, &pb.ContainerError{ContainerId: id, Code: codes.NotFound.String(), Message: "container " + id + " is not known to this NodeManager"})
			continue
		}
		st := c.status()
		if u, ok := s.nm.monitor.Usage(id); ok {
			st.RssBytes = u
		}
		resp.Statuses = append(resp.Statuses, st)
	}
	return resp, nil
}

func containerError(id string, err error) *pb.ContainerError {
	st, _ := status.FromError(err)
	return &pb.ContainerError{ContainerId: id, Code: st.Code().String(), Message: st.Message()}
}
