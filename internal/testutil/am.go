package testutil

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/token"
	"google.golang.org/grpc"
)

// AM is an unmanaged ApplicationMaster: the test itself, registered with the
// RM through the attempt token from its application report.
type AM struct {
	tb     testing.TB
	AppID  string
	Token  *pb.Token
	client pb.ApplicationClientClient
	am     pb.ApplicationMasterClient
	ctx    context.Context

	mu        sync.Mutex
	nms       map[string]pb.ContainerManagementClient
	completed map[string]*pb.ContainerStatus
}

// NewUnmanagedAM submits an unmanaged application to the RM at rmAddr and
// registers as its AM.
func NewUnmanagedAM(tb testing.TB, rmAddr, queue string) *AM {
	tb.Helper()
	conn := Dial(tb, rmAddr)
	a := &AM{
		tb:        tb,
		client:    pb.NewApplicationClientClient(conn),
		am:        pb.NewApplicationMasterClient(conn),
		nms:       map[string]pb.ContainerManagementClient{},
		completed: map[string]*pb.ContainerStatus{},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	newApp, err := a.client.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
	if err != nil {
		tb.Fatalf("GetNewApplication: %v", err)
	}
	a.AppID = newApp.GetApplicationId()
	_, err = a.client.SubmitApplication(ctx, &pb.SubmitApplicationRequest{Context: &pb.ApplicationSubmissionContext{
		ApplicationId: a.AppID, Name: tb.Name(), Queue: queue, UnmanagedAm: true, User: "test",
	}})
	if err != nil {
		tb.Fatalf("SubmitApplication %s: %v", a.AppID, err)
	}
	rep, err := a.client.GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: a.AppID})
	if err != nil {
		tb.Fatalf("GetApplicationReport %s: %v", a.AppID, err)
	}
	a.Token = rep.GetReport().GetAmRmToken()
	if a.ctx, err = token.WithAttempt(context.Background(), a.Token); err != nil {
		tb.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(a.ctx, 10*time.Second)
	defer rcancel()
	if _, err := a.am.RegisterApplicationMaster(rctx, &pb.RegisterApplicationMasterRequest{Host: "127.0.0.1"}); err != nil {
		tb.Fatalf("RegisterApplicationMaster %s: %v", a.AppID, err)
	}
	return a
}

// Allocate makes one allocate call, remembering completed containers.
func (a *AM) Allocate(asks []*pb.ResourceRequest, releases ...string) (*pb.AllocateResponse, error) {
	ctx, cancel := context.WithTimeout(a.callCtx(), 10*time.Second)
	defer cancel()
	resp, err := a.am.Allocate(ctx, &pb.AllocateRequest{Asks: asks, Releases: releases})
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	for _, st := range resp.GetCompletedContainerStatuses() {
		a.completed[st.GetContainerId()] = st
	}
	if tok := resp.GetAmRmToken(); tok != nil {
		// The RM rolled its attempt token key: carry on with the new token.
		a.Token = tok
		a.ctx, _ = token.WithAttempt(context.Background(), tok)
	}
	a.mu.Unlock()
	return resp, nil
}

// Ask is a request for n containers of memoryMB (plus overheadMB; 0 = the
// default rule) and vcores, anywhere.
func Ask(n int, memoryMB, overheadMB int64, vcores int32) *pb.ResourceRequest {
	return &pb.ResourceRequest{
		Priority:         1,
		Capability:       &pb.Resource{MemoryMb: memoryMB, Vcores: vcores},
		NumContainers:    int32(n),
		MemoryOverheadMb: overheadMB,
		RelaxLocality:    true,
	}
}

// AllocateUntil heartbeats with ask (its count lowered as containers arrive)
// until want containers are allocated or timeout passes; it returns what
// arrived.
func (a *AM) AllocateUntil(ask *pb.ResourceRequest, want int, timeout time.Duration) []*pb.Container {
	a.tb.Helper()
	var got []*pb.Container
	deadline := time.Now().Add(timeout)
	for len(got) < want && time.Now().Before(deadline) {
		ask.NumContainers = int32(want - len(got))
		resp, err := a.Allocate([]*pb.ResourceRequest{ask})
		if err != nil {
			a.tb.Fatalf("allocate: %v", err)
		}
		got = append(got, resp.GetAllocatedContainers()...)
		if len(got) < want {
			time.Sleep(pollInterval)
		}
	}
	return got
}

// WaitCompleted heartbeats until the RM reports containerID completed.
func (a *AM) WaitCompleted(containerID string, timeout time.Duration) *pb.ContainerStatus {
	a.tb.Helper()
	var st *pb.ContainerStatus
	WaitFor(a.tb, timeout, func() (bool, string) {
		if _, err := a.Allocate(nil); err != nil {
			return false, err.Error()
		}
		a.mu.Lock()
		st = a.completed[containerID]
		a.mu.Unlock()
		return st != nil, fmt.Sprintf("container %s not reported completed", containerID)
	})
	return st
}

// NM returns a ContainerManagement client for a node address.
func (a *AM) NM(addr string) pb.ContainerManagementClient {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.nms[addr]; ok {
		return c
	}
	c := pb.NewContainerManagementClient(Dial(a.tb, addr))
	a.nms[addr] = c
	return c
}

// Launch starts c on its node with command and env and fails the test if
// the NM refuses.
func (a *AM) Launch(c *pb.Container, command []string, env map[string]string) {
	a.tb.Helper()
	resp, err := a.StartContainer(c.GetNodeAddress(), c.GetContainerToken(), command, env)
	if err != nil {
		a.tb.Fatalf("start %s: %v", c.GetId(), err)
	}
	if len(resp.GetFailed()) > 0 {
		a.tb.Fatalf("start %s refused: %s: %s", c.GetId(), resp.GetFailed()[0].GetCode(), resp.GetFailed()[0].GetMessage())
	}
}

// StartContainer sends one start request with tok to the NM at addr.
func (a *AM) StartContainer(addr string, tok *pb.Token, command []string, env map[string]string, opts ...grpc.CallOption) (*pb.StartContainersResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return a.NM(addr).StartContainers(ctx, &pb.StartContainersRequest{Requests: []*pb.StartContainerRequest{{
		ContainerToken: tok,
		LaunchContext:  &pb.ContainerLaunchContext{Command: command, Environment: env},
	}}}, opts...)
}

// Status asks c's NM for its status.
func (a *AM) Status(c *pb.Container) *pb.ContainerStatus {
	a.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := a.NM(c.GetNodeAddress()).GetContainerStatuses(ctx, &pb.GetContainerStatusesRequest{ContainerIds: []string{c.GetId()}})
	if err != nil {
		a.tb.Fatalf("status of %s: %v", c.GetId(), err)
	}
	if len(resp.GetStatuses()) != 1 {
		a.tb.Fatalf("status of %s: %v", c.GetId(), resp.GetFailed())
	}
	return resp.GetStatuses()[0]
}

// Finish unregisters the AM with final status SUCCEEDED.
func (a *AM) Finish() {
	a.tb.Helper()
	ctx, cancel := context.WithTimeout(a.callCtx(), 10*time.Second)
	defer cancel()
	if _, err := a.am.FinishApplicationMaster(ctx, &pb.FinishApplicationMasterRequest{FinalStatus: pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED}); err != nil {
		a.tb.Fatalf("FinishApplicationMaster %s: %v", a.AppID, err)
	}
}

// callCtx carries the attempt's current token.
func (a *AM) callCtx() context.Context {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ctx
}
