package chaos

import (
	"context"
	"fmt"
	"slices"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/devcluster"
	"github.com/spindlehq/spindle/internal/netns"
	"github.com/spindlehq/spindle/resourcemanager/failover"
	"go.uber.org/zap"
)

// rmTarget is the busy key of the RM, or of the whole group: one RM fault
// at a time, so that the group keeps its majority.
const rmTarget = "rm"

// probeTimeout bounds one probe submission.
const probeTimeout = 2 * time.Second

// rmWebsOf are the web addresses of the cluster's RM or of each RM of its
// group.
func rmWebsOf(c *devcluster.Cluster) *rmWebs {
	w := &rmWebs{}
	for _, rm := range c.Info().RMs {
		w.addrs = append(w.addrs, rm.Web)
	}
	if len(w.addrs) == 0 {
		w.addrs = []string{c.RMAddresses().Web}
	}
	return w
}

// activeRM holds the group for a fault and returns its active RM.
func (r *runner) activeRM(ctx context.Context, f *fault) (string, error) {
	if !r.hold(rmTarget) {
		return "", fmt.Errorf("%w: an RM of the group is under a fault", errNoVictim)
	}
	f.holds = []string{rmTarget}
	id := r.cluster.ActiveRM(ctx)
	if id == "" {
		r.release(f.holds...)
		return "", fmt.Errorf("%w: no RM of the group answers as active", errNoVictim)
	}
	return id, nil
}

// partitionActiveRM cuts the active RM's host off from the other RMs, or
// from every host, for a while; the failover is timed as for a kill.
func (r *runner) partitionActiveRM(ctx context.Context, f *fault) error {
	id, err := r.activeRM(ctx, f)
	if err != nil {
		return err
	}
	h := r.host(id)
	var others []*netns.Host
	for _, o := range devcluster.RMIDs(r.cfg.RMs) {
		if o != id {
			others = append(others, r.host(o))
		}
	}
	k := &f.k
	k.Victim, f.rmID = id, id
	if r.victims.IntN(2) == 0 {
		k.Mode = "cut off from the other RMs"
		err = h.Cut(netns.Both, others...)
	} else {
		k.Mode = "cut off from every host"
		err = h.Cut(netns.Both)
	}
	if err := r.lasting(f, err, h.Heal); err != nil {
		return err
	}
	f.failedOver = make(chan struct{})
	go r.probeFailover(ctx, f)
	return nil
}

// rmHosts are the test hosts of the RM or of every RM of the group.
func (r *runner) rmHosts() []*netns.Host {
	if r.cfg.RMs < 2 {
		return []*netns.Host{r.host(devcluster.HostRM)}
	}
	var out []*netns.Host
	for _, id := range devcluster.RMIDs(r.cfg.RMs) {
		out = append(out, r.host(id))
	}
	return out
}

// killGroupRM SIGKILLs an RM of the group: the active one, or a standby
// drawn at random. Its supervisor starts it again after the down time;
// the active RM's loss is timed until another accepts a submission.
func (r *runner) killGroupRM(ctx context.Context, f *fault, active bool) error {
	if !r.hold(rmTarget) {
		return fmt.Errorf("%w: an RM of the group is under a fault", errNoVictim)
	}
	f.holds = []string{rmTarget}
	states := r.cluster.RMStates(ctx)
	var ids []string
	for id, st := range states {
		if (st == pb.HAServiceState_HA_SERVICE_STATE_ACTIVE) == active {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		r.release(f.holds...)
		return fmt.Errorf("%w: no RM of the group answers as %s (states %v)", errNoVictim, map[bool]string{true: "active", false: "standby"}[active], states)
	}
	slices.Sort(ids)
	id := ids[r.victims.IntN(len(ids))]
	k := &f.k
	k.Victim, k.Mode, f.daemon, f.rmID = id, failover.StateName(states[id]), devcluster.RMDaemon(id), id
	down := r.cfg.RMRestartDelay
	if active {
		// It comes back after a new active was elected: as a standby.
		down = max(down, r.cfg.RMActiveDown)
	}
	k.At = time.Now()
	var err error
	if k.PID, err = r.cluster.KillDaemon(f.daemon, down); err != nil {
		return err
	}
	if active {
		f.failedOver = make(chan struct{})
		go r.probeFailover(ctx, f)
	}
	return nil
}

// probeFailover submits probe applications through the group, as a
// client would, until one is accepted, and stamps f with when and by
// which RM. Each probe is killed at once.
func (r *runner) probeFailover(ctx context.Context, f *fault) {
	defer close(f.failedOver)
	cl := r.cluster.Client()
	deadline := f.kill().At.Add(r.cfg.RecoveryTimeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		id, err := cl.GetNewApplication(pctx, &pb.GetNewApplicationRequest{})
		if err == nil {
			_, err = cl.SubmitApplication(pctx, &pb.SubmitApplicationRequest{Context: &pb.ApplicationSubmissionContext{
				ApplicationId: id.GetApplicationId(), Name: "chaos-failover-probe", Queue: "default", UnmanagedAm: true}})
		}
		cancel()
		if err != nil {
			r.lg.Debug("failover probe refused", zap.Error(err))
			if sleep(ctx, 50*time.Millisecond) != nil {
				return
			}
			continue
		}
		at := time.Now()
		kctx, cancel := context.WithTimeout(ctx, probeTimeout)
		if _, err := cl.KillApplication(kctx, &pb.KillApplicationRequest{ApplicationId: id.GetApplicationId()}); err != nil {
			r.lg.Warn("kill the failover probe", zap.Error(err))
		}
		cancel()
		active := r.cluster.ActiveRM(ctx)
		f.mu.Lock()
		f.k.FailoverAt, f.k.NewActive = at, active
		f.mu.Unlock()
		fmt.Fprintf(r.out, "%s +%-7s %-15s %s active, accepting submissions %s after the fault\n", at.Format("15:04:05.000"),
			fmtOffset(at.Sub(r.report.ChaosStarted)), "failover", orUnknown(active), fmtDuration(at.Sub(f.k.At)))
		return
	}
}

// rejoined reports whether the restarted RM of f answers, and stamps the
// state it answers with.
func (r *runner) rejoined(ctx context.Context, f *fault) bool {
	st, ok := r.cluster.RMStates(ctx)[f.rmID]
	if ok {
		f.k.RejoinedAs = failover.StateName(st)
	}
	return ok
}

func orUnknown(id string) string {
	if id == "" {
		return "an RM (which one did not answer)"
	}
	return id
}
