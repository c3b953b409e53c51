package resourcemanager

import (
	"context"
	"fmt"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/resourcemanager/scheduler"
	"go.uber.org/zap"
)

// diagAMLostDuringRestart is the end of an attempt whose AM container no NM
// reported after the RM restarted.
const diagAMLostDuringRestart = "AM container was not reported by any NodeManager after the ResourceManager restarted"

// recover loads the stored applications: finished ones for reports,
// running ones to go on. Their containers come back as NMs register.
func (rm *ResourceManager) recover(ctx context.Context) error {
	apps, err := rm.state.load(ctx)
	if err != nil {
		return err
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	now := time.Now()
	running := 0
	for _, app := range apps {
		rm.apps[app.id] = app
		for _, t := range app.attempts {
			rm.attempts[t.id] = t
		}
		t := app.current()
		if app.finished() || t == nil || t.finished() {
			continue
		}
		if err := rm.sched.AddApplication(t.id, app.ctx.GetQueue()); err != nil {
			return fmt.Errorf("resourcemanager: recover %s: %w", t.id, err)
		}
		if err := rm.sched.SetPriority(t.id, app.ctx.GetPriority()); err != nil {
			return fmt.Errorf("resourcemanager: recover %s: %w", t.id, err)
		}
		running++
		switch {
		case app.ctx.GetUnmanagedAm():
		case t.amContainer == "":
			// Its AM container was never allocated: ask again.
			if err := rm.askAMContainerLocked(t); err != nil {
				return fmt.Errorf("resourcemanager: recover %s: %w", t.id, err)
			}
		default:
			t.recoveredAt = now
		}
	}
	rm.lg.Info("recovered applications from the state store", zap.Int("applications", len(apps)), zap.Int("running", running))
	return nil
}

// recoverContainerLocked takes back a container an NM reports running after
// a restart; it reports false when no live attempt owns it.
func (rm *ResourceManager) recoverContainerLocked(n *rmNode, st *pb.ContainerStatus) bool {
	cid, err := ids.ParseContainerID(st.GetContainerId())
	if err != nil {
		return false
	}
	t, ok := rm.attempts[cid.Attempt.String()]
	if !ok || t.finished() || t.app.finished() {
		return false
	}
	if c, known := rm.containers[st.GetContainerId()]; known {
		return c.state != containerCompleted
	}
	alloc := scheduler.Allocation{ContainerID: st.GetContainerId(), AttemptID: t.id, NodeID: n.id, Resource: resourceFromPB(st.GetResource())}
	if err := rm.sched.Recover(alloc, cid.ID); err != nil {
		rm.lg.Warn("recover container", zap.String("container", alloc.ContainerID), zap.String("node", n.id), zap.Error(err))
		return false
	}
	rm.addContainerLocked(t, &rmContainer{
		c:           &pb.Container{Id: alloc.ContainerID, NodeId: n.id, NodeAddress: n.id, NodeHttpAddress: n.httpAddress, Resource: st.GetResource()},
		attemptID:   t.id,
		state:       containerRunning,
		allocatedAt: time.Now(),
	})
	if t.amContainer == alloc.ContainerID {
		t.recoveredAt = time.Time{}
	}
	rm.lg.Info("container recovered", zap.String("container", alloc.ContainerID), zap.String("node", n.id), zap.String("attempt", t.id))
	return true
}

// completedWhileAwayLocked hands a live attempt the end of a container
// this RM never knew: it ended while the RM restarted or failed over, and
// its NM reports it once. Its AM learns of it and asks for a replacement.
func (rm *ResourceManager) completedWhileAwayLocked(n *rmNode, st *pb.ContainerStatus) {
	cid, err := ids.ParseContainerID(st.GetContainerId())
	if err != nil {
		return
	}
	t, ok := rm.attempts[cid.Attempt.String()]
	if !ok || t.finished() || t.app.finished() {
		return
	}
	rm.lg.Info("container ended while the resourcemanager was away", zap.String("container", st.GetContainerId()), zap.String("node", n.id), zap.Int32("exitStatus", st.GetExitStatus()))
	if t.amContainer == st.GetContainerId() {
		rm.amContainerCompletedLocked(t, st)
		return
	}
	t.completed = append(t.completed, st)
}

// expireRecoveredLocked fails attempts whose AM container no NM reported
// within the node expiry after a restart: their node was lost meanwhile.
func (rm *ResourceManager) expireRecoveredLocked(now time.Time) {
	for _, t := range rm.attempts {
		if !t.recoveredAt.IsZero() && now.Sub(t.recoveredAt) > rm.cfg.NodeExpiry && !t.finished() {
			t.recoveredAt = time.Time{}
			rm.attemptFailedLocked(t, diagAMLostDuringRestart, false)
		}
	}
}

// persistLocked writes app to the state store, when there is one. An RM
// of a group that finds it no longer leads turns standby.
func (rm *ResourceManager) persistLocked(app *rmApp) error {
	if rm.state == nil {
		return nil
	}
	raw, err := record(app)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = rm.state.save(ctx, app.id, raw)
		cancel()
	}
	if err != nil {
		rm.lg.Error("save application state", zap.String("app", app.id), zap.Error(err))
		rm.writeFailedLocked(err)
	}
	return err
}
