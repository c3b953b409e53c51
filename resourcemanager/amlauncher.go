package resourcemanager

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// launchAM starts a managed AM's container on its NM, as YARN's
// AMLauncher does. It runs on its own goroutine.
func (rm *ResourceManager) launchAM(t *rmAttempt, c *pb.Container, lc *pb.ContainerLaunchContext) {
	err := rm.addAMCredentials(t, c, lc)
	if err == nil {
		err = rm.startOnNode(c, lc)
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if t.finished() || t.app.finished() {
		return
	}
	if err != nil {
		rm.lg.Warn("AM container launch failed", zap.String("attempt", t.id), zap.String("container", c.GetId()), zap.Error(err))
		if rc, ok := rm.containers[c.GetId()]; ok {
			rm.completeLocked(rc, launch.ExitInvalid, "AM container launch failed: "+err.Error())
		}
		return
	}
	if t.state == pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_ALLOCATED {
		t.state = pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_LAUNCHED
	}
	rm.lg.Info("AM container launched", zap.String("app", t.app.id), zap.String("attempt", t.id), zap.String("container", c.GetId()), zap.String("node", c.GetNodeId()))
}

// amLaunchContext is the submitted AM spec plus what the AM needs to reach
// the RM as its attempt.
func (rm *ResourceManager) amLaunchContextLocked(t *rmAttempt) (*pb.ContainerLaunchContext, error) {
	lc := proto.Clone(t.app.ctx.GetAmContainerSpec()).(*pb.ContainerLaunchContext)
	raw, err := proto.Marshal(t.token)
	if err != nil {
		return nil, err
	}
	if lc.Environment == nil {
		lc.Environment = map[string]string{}
	}
	lc.Environment[launch.EnvAttemptToken] = base64.StdEncoding.EncodeToString(raw)
	lc.Environment[launch.EnvRMAddress] = rm.amRMAddress() // as an AM on another host reaches it
	lc.Environment[launch.EnvAttemptID] = t.id
	lc.Environment[launch.EnvMaxAttempts] = fmt.Sprint(rm.maxAttempts(t.app))
	if lc.OverheadKey == "" {
		lc.OverheadKey = conf.KeyDriverMemoryOverhead
	}
	return lc, nil
}

// startOnNode sends one StartContainers request to c's NM.
func (rm *ResourceManager) startOnNode(c *pb.Container, lc *pb.ContainerLaunchContext) error {
	conn, err := rm.nodeConn(c.GetNodeAddress())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := pb.NewContainerManagementClient(conn).StartContainers(ctx, &pb.StartContainersRequest{Requests: []*pb.StartContainerRequest{{
		ContainerToken: c.GetContainerToken(),
		LaunchContext:  lc,
	}}})
	if err != nil {
		return fmt.Errorf("start %s on %s: %w", c.GetId(), c.GetNodeAddress(), err)
	}
	if len(resp.GetFailed()) > 0 {
		f := resp.GetFailed()[0]
		return fmt.Errorf("start %s on %s: %s: %s", c.GetId(), c.GetNodeAddress(), f.GetCode(), f.GetMessage())
	}
	return nil
}

// nodeConn returns a cached gRPC connection to an NM.
func (rm *ResourceManager) nodeConn(addr string) (*grpc.ClientConn, error) {
	rm.connMu.Lock()
	defer rm.connMu.Unlock()
	if c, ok := rm.nodeConns[addr]; ok {
		return c, nil
	}
	c, err := grpc.NewClient(addr, pki.GRPCDialOption(rm.cfg.TLS))
	if err != nil {
		return nil, fmt.Errorf("NodeManager address %s: %w", addr, err)
	}
	rm.nodeConns[addr] = c
	return c, nil
}
