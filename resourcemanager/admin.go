package resourcemanager

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/resourcemanager/failover"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// adminService serves ResourceManagerAdministration (rmadmin → RM) on
// every RM, standby or active. Every call needs a user's certificate;
// changes need yarn.admin.acl, and the client secret when there is one.
type adminService struct {
	pb.UnimplementedResourceManagerAdministrationServer
	rm *ResourceManager
}

func (s *adminService) GetServiceStatus(ctx context.Context, _ *pb.GetServiceStatusRequest) (*pb.GetServiceStatusResponse, error) {
	rm := s.rm
	resp := &pb.GetServiceStatusResponse{State: rm.serviceState(), ReadyToBecomeActive: true}
	if rm.ha == nil {
		return resp, nil
	}
	resp.RmId = rm.ha.cfg.SelfID
	resp.ActiveRmId = rm.ha.node.Leader()
	stats := rm.ha.node.Stats()
	resp.RaftState = stats["state"]
	resp.RaftTerm, _ = strconv.ParseUint(stats["term"], 10, 64)
	resp.RaftLastIndex, _ = strconv.ParseUint(stats["last_log_index"], 10, 64)
	return resp, nil
}

// TransitionToActive hands the lead to the named RM; it runs on the
// active RM, as only the leader can hand over.
func (s *adminService) TransitionToActive(ctx context.Context, req *pb.TransitionToActiveRequest) (*pb.TransitionToActiveResponse, error) {
	rm := s.rm
	if err := s.checkHA(ctx, "transitionToActive "+req.GetRmId()); err != nil {
		return nil, err
	}
	if _, ok := rm.ha.cfg.Peer(req.GetRmId()); !ok {
		return nil, status.Errorf(codes.InvalidArgument, "transitionToActive %q: not an id of %s", req.GetRmId(), failover.KeyRMIDs)
	}
	if req.GetRmId() == rm.ha.cfg.SelfID && rm.ha.active.Load() {
		return &pb.TransitionToActiveResponse{}, nil
	}
	if !rm.ha.node.IsLeader() {
		return nil, rm.standbyError()
	}
	rm.lg.Info("handing the lead over on request", zap.String("to", req.GetRmId()))
	if err := rm.ha.node.TransferLeadership(req.GetRmId()); err != nil {
		return nil, status.Errorf(codes.Unavailable, "transitionToActive %s: %v", req.GetRmId(), err)
	}
	return &pb.TransitionToActiveResponse{}, nil
}

// TransitionToStandby makes this RM standby by handing the lead to
// another; a standby answers at once.
func (s *adminService) TransitionToStandby(ctx context.Context, _ *pb.TransitionToStandbyRequest) (*pb.TransitionToStandbyResponse, error) {
	rm := s.rm
	if err := s.checkHA(ctx, "transitionToStandby"); err != nil {
		return nil, err
	}
	if !rm.ha.node.IsLeader() {
		return &pb.TransitionToStandbyResponse{}, nil
	}
	rm.lg.Info("handing the lead over on request")
	if err := rm.ha.node.TransferLeadership(""); err != nil {
		return nil, status.Errorf(codes.Unavailable, "transitionToStandby %s: %v", rm.ha.cfg.SelfID, err)
	}
	return &pb.TransitionToStandbyResponse{}, nil
}

func (s *adminService) checkHA(ctx context.Context, what string) error {
	if err := s.rm.checkClientSecret(ctx, what); err != nil {
		return err
	}
	if err := s.rm.checkAdmin(ctx, what); err != nil {
		return err
	}
	if s.rm.ha == nil {
		return status.Errorf(codes.FailedPrecondition, "%s: this ResourceManager runs alone: set %s to run a group", what, failover.KeyHAEnabled)
	}
	return nil
}

// RefreshQueues reads the queues from the configuration again. Queues
// are fixed while the RM runs: a change is refused with what to do.
func (s *adminService) RefreshQueues(ctx context.Context, _ *pb.RefreshQueuesRequest) (*pb.RefreshQueuesResponse, error) {
	rm := s.rm
	if err := rm.checkClientSecret(ctx, "refreshQueues"); err != nil {
		return nil, err
	}
	if err := rm.checkAdmin(ctx, "refreshQueues"); err != nil {
		return nil, err
	}
	if rm.ha != nil && !rm.ha.active.Load() {
		return nil, rm.standbyError()
	}
	if rm.cfg.ReloadScheduler == nil {
		return nil, status.Error(codes.Unimplemented, "refreshQueues: this ResourceManager was not started from a configuration directory")
	}
	sc, err := rm.cfg.ReloadScheduler()
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "refreshQueues: %v", err)
	}
	if !slices.Equal(sc.Queues, rm.cfg.Scheduler.Queues) {
		return nil, status.Errorf(codes.FailedPrecondition, "refreshQueues: the queues changed (%v, running with %v): queue changes take effect when the ResourceManagers restart, one after another, standbys first", sc.Queues, rm.cfg.Scheduler.Queues)
	}
	return &pb.RefreshQueuesResponse{}, nil
}

// RefreshNodes: Spindle has no include or exclude lists of nodes.
func (s *adminService) RefreshNodes(ctx context.Context, _ *pb.RefreshNodesRequest) (*pb.RefreshNodesResponse, error) {
	if err := s.rm.checkClientSecret(ctx, "refreshNodes"); err != nil {
		return nil, err
	}
	if err := s.rm.checkAdmin(ctx, "refreshNodes"); err != nil {
		return nil, err
	}
	return nil, status.Error(codes.Unimplemented, "refreshNodes: Spindle keeps no node include or exclude lists (yarn.resourcemanager.nodes.exclude-path): take a node out by stopping its NodeManager, which unregisters it")
}

// standbyServes are the paths a standby answers itself, as YARN's does:
// its own state and metrics.
var standbyServes = []string{"/ws/v1/cluster", "/ws/v1/cluster/info", "/metrics"}

// standbyRedirect sends a standby's web requests to the active RM with a
// 307, as YARN's RMWebAppFilter does.
func (rm *ResourceManager) standbyRedirect(h http.Handler) http.Handler {
	if rm.ha == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rm.ha.active.Load() || slices.Contains(standbyServes, r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		leader := rm.ha.node.Leader()
		p, ok := rm.ha.cfg.Peer(leader)
		if !ok || leader == rm.ha.cfg.SelfID {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "This is standby RM. No active RM is known yet: retry shortly.", http.StatusServiceUnavailable)
			return
		}
		u := rm.webScheme() + "://" + p.Web + r.URL.RequestURI()
		w.Header().Set("Location", u)
		w.WriteHeader(http.StatusTemporaryRedirect)
		fmt.Fprintf(w, "This is standby RM. The redirect url is: %s\n", u)
	})
}

// amRMAddress is what an AM is told to reach the RM at: this RM, or in a
// group every RM, so that the AM fails over with it.
func (rm *ResourceManager) amRMAddress() string {
	if rm.ha == nil {
		return rm.Addresses().Client
	}
	var ts []failover.Target
	for _, p := range rm.ha.cfg.Peers {
		ts = append(ts, failover.Target{ID: p.ID, Addr: p.Client})
	}
	return failover.Encode(ts)
}
