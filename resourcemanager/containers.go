package resourcemanager

import (
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/launch"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// containerLogsPath is where an NM serves a container's logs
// (nodemanager.ContainerLogsPath).
const containerLogsPath = "/node/containerlogs/"

// ContainerLogsURL is YARN's link to a container's logs on its NM:
// <scheme>://<nm web address>/node/containerlogs/<container>/<user>
// (https, or http without TLS). Spindle's NMs list the container's log
// files there. It is "" without an address.
func ContainerLogsURL(scheme, nodeHTTPAddress, containerID, user string) string {
	if nodeHTTPAddress == "" || containerID == "" {
		return ""
	}
	u := scheme + "://" + nodeHTTPAddress + containerLogsPath + containerID
	if user != "" {
		u += "/" + user
	}
	return u
}

// addContainerLocked records a container of attempt t.
func (rm *ResourceManager) addContainerLocked(t *rmAttempt, c *rmContainer) {
	rm.containers[c.c.GetId()] = c
	t.containers = append(t.containers, c)
}

// containerReportLocked describes c as YARN's ContainerReport.
func (rm *ResourceManager) containerReportLocked(c *rmContainer, user string) *pb.ContainerReport {
	r := &pb.ContainerReport{
		ContainerId:        c.c.GetId(),
		AttemptId:          c.attemptID,
		NodeId:             c.c.GetNodeId(),
		NodeHttpAddress:    c.c.GetNodeHttpAddress(),
		Allocated:          c.c.GetResource(),
		Priority:           c.c.GetPriority(),
		CreationTimeUnixMs: unixMs(c.allocatedAt),
		FinishTimeUnixMs:   unixMs(c.finishedAt),
		ExitStatus:         launch.ExitInvalid,
	}
	if n, ok := rm.nodes[c.c.GetNodeId()]; ok && r.NodeHttpAddress == "" {
		r.NodeHttpAddress = n.httpAddress
	}
	switch c.state {
	case containerCompleted:
		r.State = pb.ContainerState_CONTAINER_STATE_COMPLETE
		r.ExitStatus = c.status.GetExitStatus()
		r.Diagnostics = c.status.GetDiagnostics()
	case containerRunning:
		r.State = pb.ContainerState_CONTAINER_STATE_RUNNING
	default:
		r.State = pb.ContainerState_CONTAINER_STATE_NEW
	}
	r.LogUrl = ContainerLogsURL(rm.webScheme(), r.NodeHttpAddress, r.ContainerId, user)
	return r
}

// attemptContainers describes the containers of an attempt, in allocation
// order.
func (rm *ResourceManager) attemptContainers(attemptID string) ([]*pb.ContainerReport, error) {
	if _, err := ids.ParseAttemptID(attemptID); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "containers: %v", err)
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	t, ok := rm.attempts[attemptID]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "application attempt %s is not known to this ResourceManager", attemptID)
	}
	out := make([]*pb.ContainerReport, 0, len(t.containers))
	for _, c := range t.containers {
		out = append(out, rm.containerReportLocked(c, t.app.ctx.GetUser()))
	}
	return out, nil
}

// containerReport describes one container.
func (rm *ResourceManager) containerReport(containerID string) (*pb.ContainerReport, error) {
	if _, err := ids.ParseContainerID(containerID); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "container report: %v", err)
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	c, ok := rm.containers[containerID]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "container %s is not known to this ResourceManager", containerID)
	}
	user := ""
	if t, ok := rm.attempts[c.attemptID]; ok {
		user = t.app.ctx.GetUser()
	}
	return rm.containerReportLocked(c, user), nil
}
