package resourcemanager

import (
	"fmt"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/resourcemanager/scheduler"
	"go.uber.org/zap"
)

// amPriority is the priority of an AM container's ask; executors ask at 1+.
const amPriority = 0

// maxAttempts is the application's attempt limit: its own, capped by the RM's.
func (rm *ResourceManager) maxAttempts(app *rmApp) int {
	n := int(app.ctx.GetMaxAppAttempts())
	if n <= 0 || n > rm.cfg.MaxAppAttempts {
		n = rm.cfg.MaxAppAttempts
	}
	return n
}

// newAttemptLocked starts the next attempt of app. A managed AM's container
// is asked for at once; an unmanaged AM registers with the token from the
// application report.
func (rm *ResourceManager) newAttemptLocked(app *rmApp) error {
	appID, err := ids.ParseApplicationID(app.id)
	if err != nil {
		return err
	}
	attemptID := ids.AttemptID{App: appID, Attempt: int64(len(app.attempts)) + 1}.String()
	if err := rm.sched.AddApplication(attemptID, app.ctx.GetQueue()); err != nil {
		return err
	}
	if err := rm.sched.SetPriority(attemptID, app.ctx.GetPriority()); err != nil {
		rm.sched.RemoveApplication(attemptID)
		return err
	}
	tok, err := rm.attemptSigner.SignAttempt(&pb.ApplicationAttemptTokenIdentifier{AttemptId: attemptID, RmStartUnixMs: rm.ClusterTimestamp()})
	if err != nil {
		rm.sched.RemoveApplication(attemptID)
		return fmt.Errorf("sign attempt token for %s: %w", attemptID, err)
	}
	t := &rmAttempt{id: attemptID, app: app, token: tok, startTime: time.Now(), overheads: map[int32]int64{}}
	if app.ctx.GetUnmanagedAm() {
		t.state = pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_LAUNCHED
	} else {
		t.state = pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_SCHEDULED
		if err := rm.askAMContainerLocked(t); err != nil {
			rm.sched.RemoveApplication(attemptID)
			return err
		}
		rm.kickScheduler()
	}
	app.attempts = append(app.attempts, t)
	app.state = pb.ApplicationState_APPLICATION_STATE_ACCEPTED
	rm.attempts[attemptID] = t
	rm.lg.Info("application attempt started", zap.String("app", app.id), zap.String("attempt", attemptID), zap.Bool("unmanagedAM", app.ctx.GetUnmanagedAm()))
	return nil
}

// askAMContainerLocked asks the scheduler for a managed AM's container.
func (rm *ResourceManager) askAMContainerLocked(t *rmAttempt) error {
	res := t.app.ctx.GetAmResource()
	overhead := launch.Overhead(res.GetMemoryMb(), t.app.ctx.GetAmMemoryOverheadMb())
	t.overheads[amPriority] = overhead
	return rm.sched.SetRequests(t.id, []scheduler.Request{{
		Priority:      amPriority,
		Capability:    scheduler.Resource{MemoryMB: res.GetMemoryMb() + overhead, VCores: res.GetVcores()},
		Count:         1,
		RelaxLocality: true,
	}})
}

// amContainerCompletedLocked fails the attempt whose AM container ended
// before the AM unregistered.
func (rm *ResourceManager) amContainerCompletedLocked(t *rmAttempt, st *pb.ContainerStatus) {
	diag := fmt.Sprintf("AM Container for %s exited with exitCode: %d", t.id, st.GetExitStatus())
	if d := st.GetDiagnostics(); d != "" {
		diag += "\nDiagnostics: " + d
	}
	rm.attemptFailedLocked(t, diag, !launch.NotCountedAgainstAttempts(st.GetExitStatus()))
}

// attemptFailedLocked ends attempt t as FAILED, stops its containers, and
// either starts a new attempt or, when the failures counted within the
// validity interval have reached the limit, fails the application.
func (rm *ResourceManager) attemptFailedLocked(t *rmAttempt, diag string, counts bool) {
	if t.finished() || t.app.finished() {
		return
	}
	app := t.app
	rm.endAttemptLocked(t, pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_FAILED, diag, diagAttemptFailed)
	t.countsAsFailure = counts
	now := t.finishTime
	rm.metrics.attemptsFailed.Inc()

	limit := rm.maxAttempts(app)
	window := time.Duration(app.ctx.GetAttemptFailuresValidityIntervalMs()) * time.Millisecond
	failed := 0
	for _, a := range app.roundAttempts() {
		if a.state == pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_FAILED && a.countsAsFailure && (window <= 0 || now.Sub(a.finishTime) <= window) {
			failed++
		}
	}
	rm.lg.Warn("application attempt failed", zap.String("app", app.id), zap.String("attempt", t.id),
		zap.Int("failuresCounted", failed), zap.Int("maxAttempts", limit), zap.String("diagnostics", firstLine(diag)))
	if failed >= limit {
		rm.appFailedLocked(app, rm.failureDiagnostics(app, failed, limit, window))
		return
	}
	if err := rm.newAttemptLocked(app); err != nil {
		rm.finishLocked(app, pb.ApplicationState_APPLICATION_STATE_FAILED, pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_FAILED,
			fmt.Sprintf("Application %s could not start a new attempt: %v", app.id, err))
		return
	}
	rm.persistLocked(app)
}

// failureDiagnostics lists every attempt's end, as the user needs to see why
// each one failed.
func (rm *ResourceManager) failureDiagnostics(app *rmApp, failed, limit int, window time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Application %s failed %d times", app.id, failed)
	if window > 0 {
		fmt.Fprintf(&b, " within the last %v (spark.yarn.am.attemptFailuresValidityInterval)", window)
	}
	fmt.Fprintf(&b, ", reaching the limit of %d attempts (spark.yarn.maxAppAttempts, capped by yarn.resourcemanager.am.max-attempts). Failing the application.", limit)
	for _, a := range app.roundAttempts() {
		fmt.Fprintf(&b, "\n%s: %s", a.id, strings.ReplaceAll(a.diagnostics, "\n", "\n    "))
	}
	return b.String()
}
