package resourcemanager

import (
	"slices"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/launch"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// newApplicationID hands out the next application id.
func (rm *ResourceManager) newApplicationID() string {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	rm.appSeq++
	return ids.ApplicationID{ClusterTimestamp: rm.ClusterTimestamp(), Seq: rm.appSeq}.String()
}

// submit accepts an application and starts its first attempt. The AM of an
// unmanaged application runs outside the cluster and registers with the
// token in its report; a managed AM's container is allocated and launched
// by the RM.
func (rm *ResourceManager) submit(sc *pb.ApplicationSubmissionContext) error {
	appID, err := ids.ParseApplicationID(sc.GetApplicationId())
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "submit: %v: ask GetNewApplication for an id", err)
	}
	if sc.GetQueue() == "" {
		sc.Queue = "default"
	}
	if !sc.GetUnmanagedAm() {
		if len(sc.GetAmContainerSpec().GetCommand()) == 0 {
			return status.Errorf(codes.InvalidArgument, "submit %s: the AM container spec has no command", sc.GetApplicationId())
		}
		if r := sc.GetAmResource(); r.GetMemoryMb() <= 0 || r.GetVcores() <= 0 {
			return status.Errorf(codes.InvalidArgument, "submit %s: AM resource %d MiB, %d vcores: both must be positive (spark.driver.memory, spark.driver.cores)", sc.GetApplicationId(), r.GetMemoryMb(), r.GetVcores())
		}
	}
	if sc.GetMaxAppAttempts() < 0 || sc.GetAttemptFailuresValidityIntervalMs() < 0 {
		return status.Errorf(codes.InvalidArgument, "submit %s: max attempts %d and validity interval %d ms must not be negative", sc.GetApplicationId(), sc.GetMaxAppAttempts(), sc.GetAttemptFailuresValidityIntervalMs())
	}
	if err := validateSupervise(sc); err != nil {
		return status.Errorf(codes.InvalidArgument, "submit %s: %v", sc.GetApplicationId(), err)
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if !rm.handedOutLocked(appID) {
		return status.Errorf(codes.InvalidArgument, "submit %s: not an id this ResourceManager handed out: ask GetNewApplication for one", sc.GetApplicationId())
	}
	if prev, dup := rm.apps[sc.GetApplicationId()]; dup {
		if proto.Equal(prev.ctx, sc) {
			// The same submission again: a client that failed over
			// after its first try was accepted.
			return nil
		}
		return status.Errorf(codes.AlreadyExists, "submit %s: application already submitted", sc.GetApplicationId())
	}
	app := &rmApp{id: sc.GetApplicationId(), ctx: sc, state: pb.ApplicationState_APPLICATION_STATE_SUBMITTED, submitTime: time.Now(), supervision: newSupervision(sc)}
	if err := rm.newAttemptLocked(app); err != nil {
		return status.Errorf(codes.InvalidArgument, "submit %s: %v", app.id, err)
	}
	rm.apps[app.id] = app
	if err := rm.persistLocked(app); err != nil {
		rm.forgetLocked(app)
		return rm.writeError("submit "+app.id, err)
	}
	rm.metrics.appsSubmitted.Inc()
	rm.lg.Info("application accepted", zap.String("app", app.id), zap.String("queue", sc.GetQueue()), zap.String("name", sc.GetName()),
		zap.Bool("unmanagedAM", sc.GetUnmanagedAm()), zap.Int("maxAttempts", rm.maxAttempts(app)), zap.Bool("supervised", app.supervision != nil))
	return nil
}

// finishLocked ends app and its current attempt and stops its containers.
// An AM that unregistered is left to exit by itself.
func (rm *ResourceManager) finishLocked(app *rmApp, state pb.ApplicationState, final pb.FinalApplicationStatus, diagnostics string) {
	if app.finished() {
		return
	}
	now := time.Now()
	app.state, app.finalStatus, app.finishTime = state, final, now
	if diagnostics != "" {
		app.diagnostics = diagnostics
	}
	if t := app.current(); t != nil && !t.finished() {
		attemptState := pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_FINISHED
		switch state {
		case pb.ApplicationState_APPLICATION_STATE_KILLED:
			attemptState = pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_KILLED
		case pb.ApplicationState_APPLICATION_STATE_FAILED:
			attemptState = pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_FAILED
		}
		rm.endAttemptLocked(t, attemptState, diagnostics, diagAppFinished)
	}
	if app.supervision != nil {
		app.supervision.relaunchAt = time.Time{}
	}
	rm.persistLocked(app)
	rm.lg.Info("application finished", zap.String("app", app.id), zap.Stringer("state", state), zap.Stringer("finalStatus", final))
}

// endAttemptLocked ends t in state with diagnostics, stops its containers
// (with containerDiag) and takes it out of the scheduler. The AM of an
// attempt that unregistered is left to exit by itself, its room held
// until it has.
func (rm *ResourceManager) endAttemptLocked(t *rmAttempt, state pb.ApplicationAttemptState, diagnostics, containerDiag string) {
	t.state, t.finishTime, t.diagnostics = state, time.Now(), diagnostics
	for _, c := range rm.containers {
		if c.attemptID != t.id || c.state == containerCompleted {
			continue
		}
		if t.unregistered && c.c.GetId() == t.amContainer {
			rm.holdLocked(c)
			continue
		}
		rm.killLocked(c, launch.ExitKilledByResourceManager, containerDiag)
	}
	rm.sched.RemoveApplication(t.id)
	t.allocated, t.completed = nil, nil
}

// attemptForToken authenticates an AM call.
func (rm *ResourceManager) attemptForToken(tok *pb.Token) (*rmAttempt, error) {
	id, err := rm.attemptSigner.VerifyAttempt(tok)
	if err != nil {
		return nil, status.Errorf(codes.Unauthenticated, "ApplicationMaster call: %v: present the attempt's token in the %q metadata", err, "spindle-attempt-token")
	}
	t, ok := rm.attempts[id.GetAttemptId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "ApplicationMaster call: unknown attempt %s", id.GetAttemptId())
	}
	return t, nil
}

func (rm *ResourceManager) reportLocked(app *rmApp) *pb.ApplicationReport {
	r := &pb.ApplicationReport{
		ApplicationId:    app.id,
		User:             app.ctx.GetUser(),
		Queue:            app.ctx.GetQueue(),
		Name:             app.ctx.GetName(),
		ApplicationType:  app.ctx.GetApplicationType(),
		State:            app.state,
		FinalStatus:      app.finalStatus,
		Diagnostics:      app.diagnostics,
		SubmitTimeUnixMs: app.submitTime.UnixMilli(),
		StartTimeUnixMs:  unixMs(app.startTime),
		FinishTimeUnixMs: unixMs(app.finishTime),
		Progress:         app.progress,
		Tags:             app.ctx.GetTags(),
		UnmanagedAm:      app.ctx.GetUnmanagedAm(),
		Priority:         app.ctx.GetPriority(),
	}
	if !app.finished() {
		r.Diagnostics = liveDiagnostics(app)
	}
	if t := app.current(); t != nil {
		r.CurrentAttemptId = t.id
		r.Host, r.RpcPort, r.TrackingUrl = t.host, t.rpcPort, rm.trackingURLLocked(app, t)
		if app.ctx.GetUnmanagedAm() && !t.finished() {
			r.AmRmToken = t.token
		}
		var mem int64
		var vc int32
		for _, c := range t.containers {
			if c.state != containerCompleted {
				r.RunningContainers++
				mem += c.c.GetResource().GetMemoryMb()
				vc += c.c.GetResource().GetVcores()
			}
		}
		r.Allocated = &pb.Resource{MemoryMb: mem, Vcores: vc}
	}
	return r
}

// attemptReportLocked describes t, with its AM container and node.
func (rm *ResourceManager) attemptReportLocked(t *rmAttempt) *pb.ApplicationAttemptReport {
	r := attemptReport(t)
	r.AmContainerId = t.amContainer
	if c, ok := rm.containers[t.amContainer]; ok {
		r.NodeId = c.c.GetNodeId()
	}
	return r
}

func attemptReport(t *rmAttempt) *pb.ApplicationAttemptReport {
	return &pb.ApplicationAttemptReport{
		AttemptId:        t.id,
		State:            t.state,
		Diagnostics:      t.diagnostics,
		Host:             t.host,
		RpcPort:          t.rpcPort,
		TrackingUrl:      t.trackingURL,
		StartTimeUnixMs:  unixMs(t.startTime),
		FinishTimeUnixMs: unixMs(t.finishTime),
	}
}

func (rm *ResourceManager) applicationReport(appID string) (*pb.ApplicationReport, error) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	app, ok := rm.apps[appID]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "application %s is not known to this ResourceManager", appID)
	}
	return rm.reportLocked(app), nil
}

func (rm *ResourceManager) applications(req *pb.GetApplicationsRequest) []*pb.ApplicationReport {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	var out []*pb.ApplicationReport
	for _, app := range rm.apps {
		if len(req.GetStates()) > 0 && !slices.Contains(req.GetStates(), app.state) {
			continue
		}
		if len(req.GetApplicationTypes()) > 0 && !slices.Contains(req.GetApplicationTypes(), app.ctx.GetApplicationType()) {
			continue
		}
		if len(req.GetQueues()) > 0 && !slices.Contains(req.GetQueues(), app.ctx.GetQueue()) {
			continue
		}
		if len(req.GetApplicationTags()) > 0 && !hasAnyTag(app.ctx.GetTags(), req.GetApplicationTags()) {
			continue
		}
		out = append(out, rm.reportLocked(app))
	}
	slices.SortFunc(out, func(a, b *pb.ApplicationReport) int {
		return compareStrings(a.GetApplicationId(), b.GetApplicationId())
	})
	return out
}

// hasAnyTag reports whether tags holds any of want, in any case, as
// YARN, which lower-cases tags, matches them.
func hasAnyTag(tags, want []string) bool {
	return slices.ContainsFunc(tags, func(t string) bool {
		return slices.ContainsFunc(want, func(w string) bool { return strings.EqualFold(t, w) })
	})
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func unixMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func errApp(appID string) error {
	return status.Errorf(codes.NotFound, "application %s is not known to this ResourceManager", appID)
}

// attemptReports describes every attempt of an application, oldest first.
func (rm *ResourceManager) attemptReports(appID string) ([]*pb.ApplicationAttemptReport, error) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	app, ok := rm.apps[appID]
	if !ok {
		return nil, errApp(appID)
	}
	out := make([]*pb.ApplicationAttemptReport, 0, len(app.attempts))
	for _, t := range app.attempts {
		out = append(out, rm.attemptReportLocked(t))
	}
	return out, nil
}
