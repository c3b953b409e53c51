package resourcemanager

import (
	"math"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/resourcemanager/scheduler"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// queueInfos describes every leaf queue in configuration order, with the
// applications (not attempts) in it.
func (rm *ResourceManager) queueInfos() []*pb.QueueInfo {
	total, _ := rm.sched.ClusterResource()
	reports := rm.sched.Queues()
	out := make([]*pb.QueueInfo, 0, len(reports))
	for _, q := range reports {
		out = append(out, queueInfo(q, total))
	}
	return out
}

func queueInfo(q scheduler.QueueReport, total scheduler.Resource) *pb.QueueInfo {
	info := &pb.QueueInfo{
		QueueName:         q.Name,
		Capacity:          q.Capacity,
		MaximumCapacity:   q.MaxCapacity,
		Used:              resourceToPB(q.Used),
		PendingContainers: q.Pending,
	}
	// As YARN's: used over the queue's guaranteed share, by memory.
	if guaranteed := float64(total.MemoryMB) * q.Capacity / 100; guaranteed > 0 {
		info.CurrentCapacity = math.Round(float64(q.Used.MemoryMB)/guaranteed*100*100) / 100
	}
	for _, attemptID := range q.Applications {
		if app, err := appOfAttempt(attemptID); err == nil {
			info.ApplicationIds = append(info.ApplicationIds, app)
		}
	}
	return info
}

// queueInfoByName describes one queue.
func (rm *ResourceManager) queueInfoByName(name string) (*pb.QueueInfo, error) {
	for _, q := range rm.queueInfos() {
		if q.GetQueueName() == name {
			return q, nil
		}
	}
	return nil, status.Errorf(codes.NotFound, "queue %q is not configured (yarn.scheduler.capacity.root.queues)", name)
}

// moveApplication moves a live application to another queue, as `yarn
// application -movetoqueue`.
func (rm *ResourceManager) moveApplication(appID, queue string) error {
	return rm.changeLiveApp(appID, "move", func(app *rmApp, attemptID string) error {
		if attemptID != "" {
			if err := rm.sched.MoveApplication(attemptID, queue); err != nil {
				return status.Errorf(codes.InvalidArgument, "move %s to queue %q: %v", appID, queue, err)
			}
		}
		rm.lg.Info("application moved", zap.String("app", appID), zap.String("from", app.ctx.GetQueue()), zap.String("to", queue))
		app.ctx.Queue = queue
		return nil
	})
}

// updatePriority sets a live application's priority, as `yarn application
// -updatePriority`.
func (rm *ResourceManager) updatePriority(appID string, priority int32) error {
	return rm.changeLiveApp(appID, "update priority of", func(app *rmApp, attemptID string) error {
		if attemptID != "" {
			if err := rm.sched.SetPriority(attemptID, priority); err != nil {
				return status.Errorf(codes.Internal, "update priority of %s: %v", appID, err)
			}
		}
		rm.lg.Info("application priority updated", zap.String("app", appID), zap.Int32("priority", priority))
		app.ctx.Priority = priority
		return nil
	})
}

// changeLiveApp runs change on an application that has not finished, with
// its live attempt's id ("" when none), and stores the result.
func (rm *ResourceManager) changeLiveApp(appID, what string, change func(app *rmApp, attemptID string) error) error {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	app, ok := rm.apps[appID]
	if !ok {
		return errApp(appID)
	}
	if app.finished() {
		return status.Errorf(codes.FailedPrecondition, "%s %s: the application has already finished (%s)", what, appID, ApplicationStateName(app.state))
	}
	attemptID := ""
	if t := app.current(); t != nil && !t.finished() {
		attemptID = t.id
	}
	if err := change(app, attemptID); err != nil {
		return err
	}
	rm.persistLocked(app)
	return nil
}

// appOfAttempt is the application id of an attempt id.
func appOfAttempt(attemptID string) (string, error) {
	a, err := ids.ParseAttemptID(attemptID)
	if err != nil {
		return "", err
	}
	return a.App.String(), nil
}
