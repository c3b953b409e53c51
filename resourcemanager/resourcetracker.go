package resourcemanager

import (
	"context"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// trackerService serves ResourceTracker (NM → RM).
type trackerService struct {
	pb.UnimplementedResourceTrackerServer
	rm *ResourceManager
}

func (s *trackerService) RegisterNodeManager(ctx context.Context, req *pb.RegisterNodeManagerRequest) (*pb.RegisterNodeManagerResponse, error) {
	if req.GetNodeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "register: node_id is empty: an NM registers as host:port of its ContainerManagement service")
	}
	if err := s.rm.checkNodeID(ctx, req.GetNodeId(), "register"); err != nil {
		return nil, err
	}
	if r := req.GetResource(); r.GetMemoryMb() <= 0 || r.GetVcores() <= 0 {
		return nil, status.Errorf(codes.InvalidArgument, "register %s: resources %d MiB, %d vcores: both must be positive (yarn.nodemanager.resource.memory-mb, yarn.nodemanager.resource.cpu-vcores)", req.GetNodeId(), r.GetMemoryMb(), r.GetVcores())
	}
	interval := s.rm.register(req)
	// A new node may take asks that waited for room.
	s.rm.kickScheduler()
	return &pb.RegisterNodeManagerResponse{
		Action:                   pb.NodeAction_NODE_ACTION_NORMAL,
		HeartbeatIntervalMs:      interval.Milliseconds(),
		MemberlistAddress:        s.rm.member.Address(),
		RmIdentifier:             s.rm.ClusterTimestamp(),
		ContainerTokenMasterKeys: s.rm.signer.ToPB(),
		GossipKey:                s.rm.gossipKey,
	}, nil
}

func (s *trackerService) NodeHeartbeat(ctx context.Context, req *pb.NodeHeartbeatRequest) (*pb.NodeHeartbeatResponse, error) {
	if req.GetNodeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "heartbeat: node_id is empty")
	}
	if err := s.rm.checkNodeID(ctx, req.GetNodeId(), "heartbeat"); err != nil {
		return nil, err
	}
	resp := s.rm.heartbeat(req)
	if req.GetMasterKeysTag() != s.rm.signer.Tag() {
		resp.ContainerTokenMasterKeys = s.rm.signer.ToPB()
	}
	return resp, nil
}

func (s *trackerService) UnRegisterNodeManager(ctx context.Context, req *pb.UnRegisterNodeManagerRequest) (*pb.UnRegisterNodeManagerResponse, error) {
	if err := s.rm.checkNodeID(ctx, req.GetNodeId(), "unregister"); err != nil {
		return nil, err
	}
	s.rm.unregister(req.GetNodeId())
	return &pb.UnRegisterNodeManagerResponse{}, nil
}
