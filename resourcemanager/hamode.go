package resourcemanager

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/resourcemanager/failover"
	"github.com/spindlehq/spindle/resourcemanager/ha"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// containerIDsPerEpoch spaces the container ids of successive actives:
// the active of epoch n numbers an attempt's new containers from
// n*containerIDsPerEpoch, so that none repeats one an earlier active handed
// out and an NM reports later.
const containerIDsPerEpoch = 1_000_000

// haRole is an RM's part in a group: standby until Raft makes it leader,
// then active over the replicated state until it loses the lead.
type haRole struct {
	cfg  ha.Config
	node *ha.Node
	// active is set once the takeover is complete and cleared the moment
	// the lead is lost: every call checks it (the fence).
	active atomic.Bool
	// pastTS are the cluster timestamps of earlier actives (under rm.mu):
	// their application ids are still accepted at submit.
	pastTS map[int64]bool
	// leaderSince is when Raft made this RM leader, for the takeover time.
	leaderSince time.Time
}

// startHA joins the group; the RM serves as standby until elected.
func (rm *ResourceManager) startHA(ctx context.Context) error {
	if rm.ha == nil {
		return nil
	}
	hc := rm.ha.cfg
	hc.Logger = rm.lg.Named("raft")
	hc.TLS = rm.cfg.TLS
	node, err := ha.Start(hc)
	if err != nil {
		return fmt.Errorf("resourcemanager: %w", err)
	}
	rm.ha.node = node
	rm.state = &raftAppStore{node: node}
	rm.lg.Info("resourcemanager joined its HA group as standby", zap.String("rmId", hc.SelfID), zap.String("cluster", hc.ClusterID), zap.String("raft", hc.Self().Raft))
	rm.done.Add(1)
	go func() {
		defer rm.done.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case leader := <-node.Leadership():
				if leader {
					rm.becomeActive(ctx)
				} else {
					rm.becomeStandby("lost the Raft leadership")
				}
			}
		}
	}()
	return nil
}

// stopHA leaves the group; the others elect a new active.
func (rm *ResourceManager) stopHA() {
	if rm.ha == nil || rm.ha.node == nil {
		return
	}
	rm.ha.active.Store(false)
	if rm.ha.node.IsLeader() {
		// Hand over at once rather than after the others' timeout.
		if err := rm.ha.node.TransferLeadership(""); err != nil {
			rm.lg.Warn("hand over leadership at stop", zap.Error(err))
		}
	}
	if err := rm.ha.node.Shutdown(); err != nil {
		rm.lg.Warn("leave the HA group", zap.Error(err))
	}
	rm.state = nil
}

// becomeActive takes over: it waits until the replicated log is applied
// here, opens a new epoch, and rebuilds the RM's view from the replicated
// applications; NMs re-register with their running containers and AMs
// carry on with their tokens.
func (rm *ResourceManager) becomeActive(ctx context.Context) {
	h := rm.ha
	h.leaderSince = time.Now()
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	fail := func(what string, err error) {
		rm.lg.Error("take over as the active resourcemanager", zap.String("step", what), zap.Error(err))
	}
	if err := h.node.Barrier(actx); err != nil {
		fail("apply the replicated log", err)
		return
	}
	// The group's token master keys and gossip key: those of the earlier
	// actives, so that NMs, AMs and containers keep their tokens; the
	// first active makes them.
	if err := rm.loadKeys(actx); err != nil {
		fail("take the group's keys", err)
		return
	}
	if rm.gossipKey != nil {
		if err := rm.member.InstallKey(rm.gossipKey); err != nil {
			fail("install the gossip key", err)
			return
		}
	}
	past := map[int64]bool{}
	var last int64
	epochs := h.node.List(ha.TableEpochs)
	for _, v := range epochs {
		if ts, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			past[ts] = true
			last = max(last, ts)
		}
	}
	epoch := int64(len(epochs)) + 1
	ts := max(time.Now().UnixMilli(), last+1)
	if err := h.node.Put(actx, ha.TableEpochs, fmt.Sprintf("%012d", epoch), []byte(strconv.FormatInt(ts, 10))); err != nil {
		fail("open a new epoch", err)
		return
	}
	rm.mu.Lock()
	rm.resetLocked()
	rm.clusterTS.Store(ts)
	h.pastTS = past
	rm.mu.Unlock()
	if err := rm.recover(actx); err != nil {
		fail("recover applications", err)
		return
	}
	rm.mu.Lock()
	for _, t := range rm.attempts {
		if !t.finished() {
			rm.sched.ContinueIDsFrom(t.id, epoch*containerIDsPerEpoch)
		}
	}
	rm.loadNodesLocked(time.Now())
	if !h.node.IsLeader() {
		rm.mu.Unlock()
		fail("keep the lead", ha.ErrNotLeader)
		return
	}
	h.active.Store(true)
	rm.mu.Unlock()
	rm.metrics.haTransitions.Inc()
	rm.lg.Info("resourcemanager is active", zap.String("rmId", h.cfg.SelfID), zap.Int64("epoch", epoch),
		zap.Int64("clusterTimestamp", ts), zap.Duration("takeover", time.Since(h.leaderSince)))
	rm.kickScheduler()
}

// becomeStandby stops serving at once and forgets the RM's view; it is
// rebuilt from the replicated state if the RM is elected again.
func (rm *ResourceManager) becomeStandby(reason string) {
	if !rm.ha.active.Swap(false) {
		return
	}
	rm.mu.Lock()
	rm.resetLocked()
	rm.mu.Unlock()
	rm.lg.Warn("resourcemanager is standby", zap.String("rmId", rm.ha.cfg.SelfID), zap.String("reason", reason), zap.String("active", rm.ha.node.Leader()))
}

// resetLocked forgets applications, nodes and containers.
func (rm *ResourceManager) resetLocked() {
	rm.nodes = map[string]*rmNode{}
	rm.runningNodes = 0
	rm.apps = map[string]*rmApp{}
	rm.attempts = map[string]*rmAttempt{}
	rm.containers = map[string]*rmContainer{}
	rm.appSeq = 0
	rm.sched.Reset()
	rm.appJSONCache.Clear()
}

// handedOutLocked reports whether an application id is one this RM, or
// an earlier active of its group, handed out.
func (rm *ResourceManager) handedOutLocked(id ids.ApplicationID) bool {
	if id.ClusterTimestamp == rm.ClusterTimestamp() {
		return id.Seq <= rm.appSeq
	}
	return rm.ha != nil && rm.ha.pastTS[id.ClusterTimestamp]
}

// writeFailedLocked fences an RM whose write found it no longer leads.
func (rm *ResourceManager) writeFailedLocked(err error) {
	if rm.ha != nil && errors.Is(err, ha.ErrNotLeader) {
		rm.ha.active.Store(false)
	}
}

// writeError is a caller's answer when its change could not be kept.
func (rm *ResourceManager) writeError(what string, err error) error {
	if rm.ha != nil && errors.Is(err, ha.ErrNotLeader) {
		return rm.standbyError()
	}
	return status.Errorf(codes.Unavailable, "%s: keep the application's state: %v", what, err)
}

func (rm *ResourceManager) standbyError() error {
	return failover.StandbyError(rm.ha.cfg.SelfID, rm.ha.node.Leader())
}

// adminMethods are served by standby RMs too.
const adminMethods = "/" + "spindle.v1.ResourceManagerAdministration" + "/"

// guard answers every call on a standby RM with the standby error that
// sends callers to the active one.
func (rm *ResourceManager) guard(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if rm.ha == nil || rm.ha.active.Load() || strings.HasPrefix(info.FullMethod, adminMethods) {
		return handler(ctx, req)
	}
	return nil, rm.standbyError()
}

// haState is YARN's HAServiceState of this RM.
func (rm *ResourceManager) haState() string {
	if rm.ha == nil || rm.ha.active.Load() {
		return "ACTIVE"
	}
	return "STANDBY"
}

// serviceState is haState for the administration protocol.
func (rm *ResourceManager) serviceState() pb.HAServiceState {
	if rm.haState() == "ACTIVE" {
		return pb.HAServiceState_HA_SERVICE_STATE_ACTIVE
	}
	return pb.HAServiceState_HA_SERVICE_STATE_STANDBY
}
