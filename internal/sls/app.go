package sls

import (
	"context"
	"fmt"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/token"
)

// simApp is one simulated unmanaged ApplicationMaster.
type simApp struct {
	id   string
	am   pb.ApplicationMasterClient
	ctx  context.Context
	want int
	// live are the app's containers in the order they were allocated,
	// which is the order they are released in.
	live     []liveContainer
	nodes    map[string]*simNode
	cfg      *Config
	stats    *recorder
	priority int32
}

// liveContainer is a container an app runs until its end.
type liveContainer struct {
	id  string
	end time.Time
}

// submitApp submits an unmanaged application and registers as its AM.
func submitApp(ctx context.Context, client pb.ApplicationClientClient, am pb.ApplicationMasterClient, name string) (string, context.Context, error) {
	newApp, err := client.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
	if err != nil {
		return "", nil, fmt.Errorf("sls: new application: %w", err)
	}
	id := newApp.GetApplicationId()
	if _, err := client.SubmitApplication(ctx, &pb.SubmitApplicationRequest{Context: &pb.ApplicationSubmissionContext{
		ApplicationId: id, Name: name, Queue: "default", UnmanagedAm: true, User: "sls",
	}}); err != nil {
		return "", nil, fmt.Errorf("sls: submit %s: %w", id, err)
	}
	rep, err := client.GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: id})
	if err != nil {
		return "", nil, fmt.Errorf("sls: report of %s: %w", id, err)
	}
	actx, err := token.WithAttempt(context.Background(), rep.GetReport().GetAmRmToken())
	if err != nil {
		return "", nil, err
	}
	rctx, cancel := context.WithTimeout(actx, 30*time.Second)
	defer cancel()
	if _, err := am.RegisterApplicationMaster(rctx, &pb.RegisterApplicationMasterRequest{Host: "sls"}); err != nil {
		return "", nil, fmt.Errorf("sls: register AM of %s: %w", id, err)
	}
	return id, actx, nil
}

// loop asks every AM interval for the containers the app lacks and runs
// what it gets on the simulated nodes, until ctx ends.
func (a *simApp) loop(ctx context.Context, phase time.Duration) {
	timer := time.NewTimer(phase)
	defer timer.Stop()
	// The RM adds no overhead to an ask that names its own.
	const overheadMB = 1
	ask := &pb.ResourceRequest{Priority: a.priority, RelaxLocality: true, MemoryOverheadMb: overheadMB,
		Capability: &pb.Resource{MemoryMb: a.cfg.ContainerMemoryMB - overheadMB, Vcores: a.cfg.ContainerVCores}}
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		timer.Reset(a.cfg.AMInterval)
		// Containers past their lifetime are released, as an AM releases
		// what it no longer needs; the RM frees them at once.
		var releases []string
		now := time.Now()
		for len(a.live) > 0 && !a.live[0].end.After(now) {
			releases = append(releases, a.live[0].id)
			a.live = a.live[1:]
		}
		ask.NumContainers = int32(max(a.want-len(a.live), 0))
		start := time.Now()
		cctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
		resp, err := a.am.Allocate(cctx, &pb.AllocateRequest{Asks: []*pb.ResourceRequest{ask}, Releases: releases})
		cancel()
		a.stats.allocate(time.Since(start), len(resp.GetAllocatedContainers()), err)
		if err != nil {
			continue
		}
		end := time.Now().Add(a.cfg.ContainerLifetime)
		for _, c := range resp.GetAllocatedContainers() {
			if n, ok := a.nodes[c.GetNodeId()]; ok {
				n.start(c)
				a.live = append(a.live, liveContainer{id: c.GetId(), end: end})
			}
		}
	}
}
