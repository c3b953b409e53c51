package appmaster

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// allocate sends the AM's heartbeat: asks for the missing executors and
// gives back containers this AM no longer wants.
func (am *AppMaster) allocate(ctx context.Context) (*pb.AllocateResponse, error) {
	var asks []*pb.ResourceRequest
	if missing := am.cfg.NumExecutors - len(am.executors); missing > 0 && !time.Now().Before(am.asks.retryAt) {
		asks = append(asks, &pb.ResourceRequest{
			Priority:         executorPriority,
			Capability:       &pb.Resource{MemoryMb: am.cfg.ExecutorMemoryMB, Vcores: am.cfg.ExecutorCores},
			NumContainers:    int32(missing),
			MemoryOverheadMb: am.cfg.ExecutorOverheadMB,
			RelaxLocality:    true,
		})
	}
	var releases []string
	for id, pending := range am.released {
		if pending {
			releases = append(releases, id)
			am.released[id] = false
		}
	}
	actx, cancel := context.WithTimeout(am.rmCtx, 10*time.Second)
	defer cancel()
	return am.rm.Allocate(actx, &pb.AllocateRequest{Asks: asks, Releases: releases})
}

// handle launches newly allocated executors, accounts for completed ones and
// releases executors that never registered or that the driver declared
// lost for silence (a hung process keeps its container otherwise).
func (am *AppMaster) handle(resp *pb.AllocateResponse) error {
	now := time.Now()
	var toLaunch []*pb.Container
	for _, c := range resp.GetAllocatedContainers() {
		if len(am.executors)+len(toLaunch) >= am.cfg.NumExecutors {
			am.released[c.GetId()] = true
			continue
		}
		toLaunch = append(toLaunch, c)
	}
	if err := am.launch(toLaunch, now); err != nil {
		return err
	}
	for _, st := range resp.GetCompletedContainerStatuses() {
		e, ok := am.executors[st.GetContainerId()]
		if !ok {
			continue
		}
		delete(am.executors, st.GetContainerId())
		am.endpoint.Release(e.id)
		if _, mine := am.released[st.GetContainerId()]; mine && st.GetExitStatus() == launch.ExitAborted {
			continue
		}
		if st.GetExitStatus() == 0 || st.GetExitStatus() == launch.ExitKilledByAppMaster {
			am.lg.Info("executor exited", zap.String("executor", e.id), zap.String("container", e.c.GetId()), zap.Int32("exitStatus", st.GetExitStatus()))
			continue
		}
		if err := am.executorFailed(e, st.GetExitStatus(), st.GetDiagnostics(), now); err != nil {
			return err
		}
	}
	for id, e := range am.executors {
		var diag string
		switch {
		case now.Sub(e.launchedAt) > am.cfg.ContainerLaunchTimeout && !am.driverKnows(e.id):
			diag = fmt.Sprintf("executor %s in %s did not register with the driver within %v (spark.yarn.containerLaunchTimeout); released", e.id, id, am.cfg.ContainerLaunchTimeout)
		case am.driverLost(e.id):
			diag = fmt.Sprintf("executor %s in %s sent the driver no heartbeat within %s; declared lost, its tasks run elsewhere; released", e.id, id, conf.KeyNetworkTimeout)
		default:
			continue
		}
		delete(am.executors, id)
		am.released[id] = true
		am.endpoint.Release(e.id)
		if err := am.executorFailed(e, launch.ExitAborted, diag, now); err != nil {
			return err
		}
	}
	return nil
}

// driverKnows reports whether executor id has registered with the driver:
// this AM's endpoint in cluster mode, the driver's last status in client
// mode.
func (am *AppMaster) driverKnows(id string) bool {
	return am.endpoint.Registered(id) || slices.Contains(am.driverView.GetRegisteredExecutors(), id)
}

// driverLost reports whether the driver declared executor id lost for
// sending nothing within spark.network.timeout.
func (am *AppMaster) driverLost(id string) bool {
	return am.endpoint.TimedOut(id) || slices.Contains(am.driverView.GetTimedOutExecutors(), id)
}

// executorFailed records a failure and fails the application when there are
// more than spark.yarn.max.executor.failures within the validity interval.
func (am *AppMaster) executorFailed(e *executor, exitStatus int32, diag string, now time.Time) error {
	am.failures.add(now)
	line := fmt.Sprintf("executor %s (%s on %s) exit status %d: %s", e.id, e.c.GetId(), e.c.GetNodeId(), exitStatus, firstLines(diag, 3))
	am.failDiags = append(am.failDiags, line)
	if len(am.failDiags) > 5 {
		am.failDiags = am.failDiags[len(am.failDiags)-5:]
	}
	n := am.failures.count(now)
	am.lg.Warn("executor failed; asking for a replacement", zap.String("executor", e.id), zap.String("container", e.c.GetId()),
		zap.String("node", e.c.GetNodeId()), zap.Int32("exitStatus", exitStatus), zap.Int("failures", n), zap.Int("maxFailures", am.cfg.MaxExecutorFailures))
	if n <= am.cfg.MaxExecutorFailures {
		return nil
	}
	window := "since the application started"
	if am.cfg.ExecutorFailuresValidity > 0 {
		window = fmt.Sprintf("within %v (spark.yarn.executor.failuresValidityInterval)", am.cfg.ExecutorFailuresValidity)
	}
	return fmt.Errorf("%w: %d executors failed %s, more than spark.yarn.max.executor.failures = %d. Last failures:\n%s",
		ErrTooManyExecutorFailures, n, window, am.cfg.MaxExecutorFailures, strings.Join(am.failDiags, "\n"))
}

// launch starts an executor in each container on its NM, all at once:
// each start localizes the job binary, so one after the other they would
// add up. It returns an error only when a failed launch exhausts
// spark.yarn.max.executor.failures.
func (am *AppMaster) launch(cs []*pb.Container, now time.Time) error {
	execs := make([]*executor, len(cs))
	nms := make([]pb.ContainerManagementClient, len(cs))
	for i, c := range cs {
		am.nextExecID++
		execs[i] = &executor{id: strconv.Itoa(am.nextExecID), c: c, launchedAt: now}
		nms[i] = am.nm(c.GetNodeAddress())
	}
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i := range cs {
		wg.Go(func() { errs[i] = am.startExecutor(nms[i], execs[i]) })
	}
	wg.Wait()
	for i, e := range execs {
		c := e.c
		am.executors[c.GetId()] = e
		if err := errs[i]; err != nil {
			// The RM hears of it as a completed container only if the NM
			// recorded it; give it back so that it is replaced either way.
			am.lg.Warn("executor launch failed", zap.String("executor", e.id), zap.String("container", c.GetId()), zap.Error(err))
			delete(am.executors, c.GetId())
			am.released[c.GetId()] = true
			if err := am.executorFailed(e, launch.ExitInvalid, err.Error(), now); err != nil {
				return err
			}
			continue
		}
		am.lg.Info("executor launched", zap.String("executor", e.id), zap.String("container", c.GetId()), zap.String("node", c.GetNodeId()))
	}
	return nil
}

// startExecutor asks nm to start executor e in its container.
func (am *AppMaster) startExecutor(nm pb.ContainerManagementClient, e *executor) error {
	env := map[string]string{}
	for k, v := range am.cfg.ExecutorEnv {
		env[k] = v
	}
	env[launch.EnvRole] = launch.RoleExecutor
	env[launch.EnvExecutorID] = e.id
	env[launch.EnvExecutorCores] = strconv.Itoa(int(am.cfg.ExecutorCores))
	env[launch.EnvDriverAddress] = am.driverAddress()
	if am.cfg.Credentials.AppSecret != "" {
		env[launch.EnvAppSecret] = am.cfg.Credentials.AppSecret
	}
	lc := &pb.ContainerLaunchContext{
		Command:        am.cfg.ExecutorCommand,
		Environment:    env,
		OverheadKey:    conf.KeyExecutorMemoryOverhead,
		LocalResources: am.cfg.LocalResources,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := nm.StartContainers(ctx, &pb.StartContainersRequest{Requests: []*pb.StartContainerRequest{{ContainerToken: e.c.GetContainerToken(), LaunchContext: lc}}})
	if err == nil && len(resp.GetFailed()) > 0 {
		err = fmt.Errorf("%s: %s", resp.GetFailed()[0].GetCode(), resp.GetFailed()[0].GetMessage())
	}
	return err
}

func (am *AppMaster) driverAddress() string {
	if am.taskSrv != nil {
		return am.taskSrv.Addr().String()
	}
	return am.cfg.DriverAddress
}

func (am *AppMaster) nm(addr string) pb.ContainerManagementClient {
	if c, ok := am.nms[addr]; ok {
		return c
	}
	conn, err := grpc.NewClient(addr, pki.GRPCDialOption(am.cfg.Credentials.Cluster))
	if err != nil {
		am.lg.Error("dial NodeManager", zap.String("node", addr), zap.Error(err))
	}
	c := pb.NewContainerManagementClient(conn)
	am.nms[addr] = c
	return c
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}
