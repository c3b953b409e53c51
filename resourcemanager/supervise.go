package resourcemanager

import (
	"context"
	"fmt"
	"github.com/spindlehq/spindle/acl"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"go.uber.org/zap"
)

// supervision is the relaunch state of a supervised application
// (spark.driver.supervise): when a round of attempts ends in failure, the
// application keeps its id and, after a backoff, starts a new round of
// attempts with the same launch spec — so the same checkpoint — until it
// succeeds, is killed, or its supervision is stopped.
type supervision struct {
	// roundStart is the index in the application's attempts of the first
	// attempt of the current round; only the round's failures count
	// towards spark.yarn.maxAppAttempts.
	roundStart int
	// relaunches counts the rounds started after the first.
	relaunches int
	// backoff is the wait before the next relaunch.
	backoff time.Duration
	// relaunchAt, when set, is when the waiting application starts its
	// next round.
	relaunchAt time.Time
	// stopped: StopSupervision was called; the next failure is final.
	stopped bool
}

// newSupervision returns the supervision of an application submitted with
// a supervise policy, nil for one without.
func newSupervision(sc *pb.ApplicationSubmissionContext) *supervision {
	if sc.GetSupervise() == nil {
		return nil
	}
	return &supervision{backoff: time.Duration(sc.GetSupervise().GetInitialBackoffMs()) * time.Millisecond}
}

// validateSupervise checks a submitted supervise policy.
func validateSupervise(sc *pb.ApplicationSubmissionContext) error {
	p := sc.GetSupervise()
	if p == nil {
		return nil
	}
	if sc.GetUnmanagedAm() {
		return fmt.Errorf("an unmanaged AM cannot be supervised: the RM cannot relaunch it")
	}
	if p.GetInitialBackoffMs() <= 0 || p.GetMaxBackoffMs() < p.GetInitialBackoffMs() {
		return fmt.Errorf("supervise backoff %d ms, max %d ms: want a positive backoff no larger than the max (spindle.driver.supervise.backoff, spindle.driver.supervise.maxBackoff)",
			p.GetInitialBackoffMs(), p.GetMaxBackoffMs())
	}
	return nil
}

// appFailedLocked ends app FAILED with diag, unless it is supervised: then
// it waits for its relaunch, as its diagnostics say.
func (rm *ResourceManager) appFailedLocked(app *rmApp, diag string) {
	s := app.supervision
	if s == nil || s.stopped {
		rm.finishLocked(app, pb.ApplicationState_APPLICATION_STATE_FAILED, pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_FAILED, diag)
		return
	}
	now := time.Now()
	p := app.ctx.GetSupervise()
	initial := time.Duration(p.GetInitialBackoffMs()) * time.Millisecond
	maxWait := time.Duration(p.GetMaxBackoffMs()) * time.Millisecond
	if round := app.attempts[s.roundStart]; now.Sub(round.startTime) > maxWait {
		// A long run was a healthy one: start the backoff again.
		s.backoff = initial
	}
	wait := s.backoff
	s.backoff = min(2*s.backoff, maxWait)
	s.relaunchAt = now.Add(wait)
	app.state = pb.ApplicationState_APPLICATION_STATE_ACCEPTED
	app.diagnostics = fmt.Sprintf("%s\nSupervised (spark.driver.supervise): relaunching in %v with the same launch spec and checkpoint, as relaunch %d. spindle application -stop or -kill ends the supervision.",
		diag, wait, s.relaunches+1)
	rm.metrics.appsRelaunched.Inc()
	rm.persistLocked(app)
	rm.lg.Warn("supervised application failed: relaunching after a backoff", zap.String("app", app.id), zap.Duration("backoff", wait), zap.Int("relaunch", s.relaunches+1))
}

// relaunchDueLocked starts the next round of each supervised application
// whose backoff has passed.
func (rm *ResourceManager) relaunchDueLocked(now time.Time) {
	for _, app := range rm.apps {
		s := app.supervision
		if s == nil || s.relaunchAt.IsZero() || now.Before(s.relaunchAt) || app.finished() {
			continue
		}
		s.relaunchAt = time.Time{}
		s.relaunches++
		s.roundStart = len(app.attempts)
		if err := rm.newAttemptLocked(app); err != nil {
			rm.finishLocked(app, pb.ApplicationState_APPLICATION_STATE_FAILED, pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_FAILED,
				fmt.Sprintf("%s\nApplication %s could not be relaunched: %v", app.diagnostics, app.id, err))
			continue
		}
		rm.persistLocked(app)
		rm.lg.Info("supervised application relaunched", zap.String("app", app.id), zap.Int("relaunch", s.relaunches), zap.String("attempt", app.current().id))
	}
}

// stopSupervision ends appID's supervision: its next failure is final, and
// if it is waiting to be relaunched it ends FAILED now.
func (rm *ResourceManager) stopSupervision(appID string) (bool, error) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	app, ok := rm.apps[appID]
	if !ok {
		return false, errApp(appID)
	}
	s := app.supervision
	if s == nil || s.stopped || app.finished() {
		return false, nil
	}
	s.stopped = true
	if !s.relaunchAt.IsZero() {
		s.relaunchAt = time.Time{}
		rm.finishLocked(app, pb.ApplicationState_APPLICATION_STATE_FAILED, pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_FAILED,
			app.diagnostics+"\nSupervision stopped by the user before the relaunch.")
	} else {
		rm.persistLocked(app)
	}
	rm.lg.Info("supervision stopped", zap.String("app", appID))
	return true, nil
}

// StopSupervision is the ApplicationClient call that ends a supervision.
func (s *clientService) StopSupervision(ctx context.Context, req *pb.StopSupervisionRequest) (*pb.StopSupervisionResponse, error) {
	if err := s.rm.checkClientSecret(ctx, "stop the supervision of "+req.GetApplicationId()); err != nil {
		return nil, err
	}
	if err := s.rm.checkApp(callerOf(ctx), acl.ModifyApp, req.GetApplicationId()); err != nil {
		return nil, err
	}
	was, err := s.rm.stopSupervision(req.GetApplicationId())
	if err != nil {
		return nil, err
	}
	return &pb.StopSupervisionResponse{WasSupervised: was}, nil
}
