package chaos

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/spindlehq/spindle/devcluster"
	"github.com/spindlehq/spindle/internal/netns"
	"go.uber.org/zap"
)

// bootDelay is how long after a crashed host's network comes back its
// NodeManager starts.
const bootDelay = time.Second

// errNoVictim: nothing of the kind drawn was there to be hit.
var errNoVictim = errors.New("chaos: no victim")

// fault is one fault in progress: its record, and what ends it.
type fault struct {
	mu sync.Mutex
	k  Kill
	// endAt is when to undo a network fault with undo.
	endAt time.Time
	undo  func() error
	// daemon is a killed daemon its supervisor brings back.
	daemon string
	// holds are the targets the fault keeps busy until it is over.
	holds []string
}

// kill returns a copy of the record.
func (f *fault) kill() Kill {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.k
}

// chaos injects faults until the duration is over and returns them, each
// ended (healed, its daemon back).
func (r *runner) chaos(ctx context.Context) ([]Kill, error) {
	r.report.ChaosStarted = time.Now()
	end := r.report.ChaosStarted.Add(r.cfg.Duration)
	kinds := r.cfg.faults()
	after := "after recovering from the last"
	if r.cfg.Overlap {
		after = "whether or not the last is over"
	}
	fmt.Fprintf(r.out, "First batch committed. Injecting faults (%s) for %v, one about every %v %s (seed %d).\n\n",
		kindsText(kinds), r.cfg.Duration, r.cfg.Interval, after, r.cfg.Seed)
	sched := NewSchedule(r.cfg.Seed, r.cfg.Interval, kinds...)
	var faults []*fault
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	collect := func() []Kill {
		wg.Wait()
		out := make([]Kill, len(faults))
		for i, f := range faults {
			out[i] = f.kill()
		}
		return out
	}
	// queue holds the kinds drawn and not injected yet: one that found
	// nothing to hit goes first again, so that every kind still comes.
	var queue []Kind
	for {
		drawn, gap := sched.Next()
		queue = append(queue, drawn)
		kind := queue[0]
		queue = queue[1:]
		at := time.Now().Add(gap)
		if at.After(end) {
			break
		}
		if err := r.waitFor(ctx, time.Until(at)+time.Minute, "gap", func() bool { return !time.Now().Before(at) }); err != nil {
			return collect(), err
		}
		select {
		case err := <-errc:
			return collect(), err
		default:
		}
		f, err := r.inject(ctx, kind)
		if errors.Is(err, errNoVictim) {
			// Every target held by overlapping faults, or no container
			// running: the kind comes again at the next turn.
			r.lg.Warn("nothing to hit now; trying the kind again next", zap.Stringer("kind", kind), zap.Error(err))
			queue = append([]Kind{kind}, queue...)
			continue
		}
		if err != nil {
			return collect(), err
		}
		faults = append(faults, f)
		r.printFault(f.kill())
		if r.cfg.Overlap {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := r.endFault(ctx, f); err != nil {
					select {
					case errc <- err:
					default:
					}
				}
			}()
			continue
		}
		rec, err := r.awaitRecovery(ctx, f)
		if err != nil {
			return collect(), err
		}
		r.printRecovery(rec)
	}
	kills := collect()
	select {
	case err := <-errc:
		return kills, err
	default:
	}
	if err := r.waitFor(ctx, time.Until(end)+time.Minute, "end of the chaos", func() bool { return !time.Now().Before(end) }); err != nil {
		return kills, err
	}
	return kills, nil
}

// kindsText lists kinds for a line.
func kindsText(kinds []Kind) string {
	s := ""
	for i, k := range kinds {
		if i > 0 {
			s += ", "
		}
		s += k.String()
	}
	return s
}

// printFault prints one fault as it is injected.
func (r *runner) printFault(k Kill) {
	what := k.Victim
	if k.Mode != "" {
		what += " " + k.Mode
	}
	pid := ""
	if k.PID > 0 {
		pid = fmt.Sprintf(" (pid %d)", k.PID)
	}
	fmt.Fprintf(r.out, "%s +%-7s %-15s %s%s%s\n", k.At.Format("15:04:05.000"), fmtOffset(k.At.Sub(r.report.ChaosStarted)), k.Kind, what, pid, onNode(k))
}

// onNode says where a fault's victim ran.
func onNode(k Kill) string {
	switch {
	case (k.Kind == KillNodeManager || k.Kind == HostCrash) && k.AMOnVictim:
		return fmt.Sprintf(", which ran the AM (its attempt's %s end with it)", executors(len(k.Gone)-1))
	case k.Kind == KillNodeManager || k.Kind == HostCrash:
		return ", which ran " + executors(len(k.Gone))
	case k.Kind.lasts() && k.AMOnVictim:
		return ", which runs the AM"
	case k.Node != "" && !k.Kind.lasts():
		return " on " + k.Node
	}
	return ""
}

// hold marks targets busy for a fault; it reports false, holding none,
// when one is busy already.
func (r *runner) hold(targets ...string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range targets {
		if r.busy[t] {
			return false
		}
	}
	for _, t := range targets {
		r.busy[t] = true
	}
	return true
}

// release frees a fault's targets.
func (r *runner) release(targets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range targets {
		delete(r.busy, t)
	}
}

// freeNM draws an NM that no fault holds and holds it, or returns -1.
func (r *runner) freeNM() int {
	for _, i := range r.victims.Perm(r.cfg.NodeManagers) {
		if r.hold(NMTarget(i)) {
			return i
		}
	}
	return -1
}

// NMTarget is the busy key of NM i (its daemon and its host).
func NMTarget(i int) string { return devcluster.NMHost(i) }

// inject hits something of kind and returns the fault, with what ends it.
func (r *runner) inject(ctx context.Context, kind Kind) (*fault, error) {
	// The attempt count comes from the RM, which a loaded machine may keep
	// from answering for a moment.
	var s sample
	deadline := time.Now().Add(r.cfg.RecoveryTimeout)
	for {
		s = r.obs.take(ctx)
		r.obs.record(s)
		if s.rmUp {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("chaos: the ResourceManager did not answer for %v before a %s fault", r.cfg.RecoveryTimeout, kind)
		}
		if err := sleep(ctx, r.cfg.SampleInterval); err != nil {
			return nil, err
		}
	}
	f := &fault{k: Kill{Kind: kind, AttemptsBefore: s.attempts}}
	k := &f.k
	switch kind {
	case KillExecutor:
		if len(s.executors) == 0 {
			return nil, fmt.Errorf("%w: no running executor", errNoVictim)
		}
		e := s.executors[r.victims.IntN(len(s.executors))]
		k.Victim, k.Node, k.PID, k.Gone = e.id, e.node, e.pid, []string{e.id}
		return f, killGroup(k)
	case KillAM:
		if s.am == nil {
			return nil, fmt.Errorf("%w: no running AM", errNoVictim)
		}
		k.Victim, k.Node, k.PID = s.am.id, s.am.node, s.am.pid
		// The RM stops the attempt's executors when its AM dies.
		k.Gone = append([]string{s.am.id}, containerIDs(s.executors)...)
		return f, killGroup(k)
	case KillNodeManager, HostCrash:
		i := r.freeNM()
		if i < 0 {
			return nil, fmt.Errorf("%w: every NodeManager is under a fault", errNoVictim)
		}
		f.holds = []string{NMTarget(i)}
		name := "nodemanager-" + strconv.Itoa(i)
		k.Node = r.cluster.NMAddresses()[i].NodeID
		k.Victim = k.Node
		r.goneWithNM(k, s, i)
		f.daemon = name
		k.At = time.Now()
		var err error
		if kind == KillNodeManager {
			k.PID, err = r.cluster.KillDaemon(name, r.cfg.NMRestartDelay)
			return f, err
		}
		k.Victim = devcluster.NMHost(i) + " (" + k.Node + ")"
		// A power cut: the host is cut off first, so that nothing it would
		// say on the way down (a FIN, a RST) gets out and its peers are
		// left holding half-open connections. Its network comes back when
		// the host does, and its NodeManager a moment later, as at boot.
		h := r.host(devcluster.NMHost(i))
		if err := h.Cut(netns.Both); err != nil {
			return f, err
		}
		f.endAt, f.undo = k.At.Add(r.cfg.HostDown), h.Heal
		if k.PID, err = r.cluster.HoldDaemon(name, r.cfg.HostDown+bootDelay); err != nil {
			return f, err
		}
		return f, h.Crash()
	case KillResourceManager:
		if !r.hold("rm") {
			return nil, fmt.Errorf("%w: the ResourceManager is under a fault", errNoVictim)
		}
		f.holds, f.daemon = []string{"rm"}, "resourcemanager"
		k.Victim = "resourcemanager"
		k.At = time.Now()
		var err error
		k.PID, err = r.cluster.KillDaemon("resourcemanager", r.cfg.RMRestartDelay)
		return f, err
	case Partition, Slow:
		return f, r.network(f, s)
	case PauseKafka, PauseHDFS:
		name := devcluster.HostKafka
		if kind == PauseHDFS {
			name = devcluster.HostHDFS
		}
		if !r.hold(name) {
			return nil, fmt.Errorf("%w: %s is under a fault", errNoVictim, name)
		}
		h := r.host(name)
		f.holds, k.Victim, k.Mode = []string{name}, name, "cut off"
		return f, r.lasting(f, h.Cut(netns.Both), h.Heal)
	}
	return nil, fmt.Errorf("chaos: unknown kind of fault %v", kind)
}

// network starts a partition or a slow link on an NM's host.
func (r *runner) network(f *fault, s sample) error {
	k := &f.k
	i := r.freeNM()
	if i < 0 {
		return fmt.Errorf("%w: every NodeManager is under a fault", errNoVictim)
	}
	f.holds = []string{NMTarget(i)}
	h := r.host(devcluster.NMHost(i))
	k.Node = r.cluster.NMAddresses()[i].NodeID
	k.Victim = h.Name
	k.AMOnVictim = s.am != nil && s.am.nm == i
	if k.Kind == Slow {
		if r.cfg.SlowLoss > 0 && (r.cfg.SlowDelay == 0 || r.victims.IntN(2) == 0) {
			k.Mode = fmt.Sprintf("loss %d%%", r.cfg.SlowLoss)
			return r.lasting(f, h.Loss(r.cfg.SlowLoss), h.Heal)
		}
		k.Mode = "delay " + r.cfg.SlowDelay.String()
		return r.lasting(f, h.Delay(r.cfg.SlowDelay), h.Heal)
	}
	var err error
	switch r.victims.IntN(4) {
	case 0:
		k.Mode = "cut off from the RM"
		err = h.Cut(netns.Both, r.host(devcluster.HostRM))
	case 1:
		k.Mode = "cut off from every host"
		err = h.Cut(netns.Both)
	case 2:
		k.Mode = "receiving nothing"
		err = h.Cut(netns.Inbound)
	default:
		k.Mode = "sending nothing"
		err = h.Cut(netns.Outbound)
	}
	return r.lasting(f, err, h.Heal)
}

// lasting stamps a network fault that started (err: or failed to) and
// draws how long it lasts; undo ends it.
func (r *runner) lasting(f *fault, err error, undo func() error) error {
	f.k.At = time.Now()
	if err != nil {
		r.release(f.holds...)
		return err
	}
	span := r.cfg.FaultMin
	if d := r.cfg.FaultMax - r.cfg.FaultMin; d > 0 {
		span += time.Duration(r.victims.Int64N(int64(d)))
	}
	f.endAt, f.undo = f.k.At.Add(span), undo
	return nil
}

// host is the cluster's test host called name.
func (r *runner) host(name string) *netns.Host { return r.cluster.Network().Host(name) }

// goneWithNM lists the application's containers that die with NM i.
func (r *runner) goneWithNM(k *Kill, s sample, i int) {
	if s.am != nil && s.am.nm == i {
		// The attempt ends with its AM: every executor goes.
		k.AMOnVictim = true
		k.Gone = append([]string{s.am.id}, containerIDs(s.executors)...)
		return
	}
	for _, e := range s.executors {
		if e.nm == i {
			k.Gone = append(k.Gone, e.id)
		}
	}
}

// endFault ends f: undoes a network fault once it has lasted, and waits
// for a killed daemon's supervisor to bring it back. It frees f's targets.
func (r *runner) endFault(ctx context.Context, f *fault) error {
	defer r.release(f.holds...)
	deadline := time.Now().Add(r.cfg.RecoveryTimeout + r.cfg.FaultMax + r.cfg.HostDown)
	for !r.ended(f) {
		if time.Now().After(deadline) {
			return fmt.Errorf("chaos: %s fault of %s not over within %v", f.k.Kind, f.k.Victim, time.Since(f.k.At).Round(time.Second))
		}
		if err := sleep(ctx, r.cfg.SampleInterval); err != nil {
			return err
		}
	}
	k := f.kill()
	line := "healed"
	if k.HealedAt.IsZero() {
		line = "back"
	}
	if k.endsLater() {
		fmt.Fprintf(r.out, "%s +%-7s %-15s %s %s after %s\n", k.ended().Format("15:04:05.000"), fmtOffset(k.ended().Sub(r.report.ChaosStarted)),
			k.Kind, k.Victim, line, fmtDuration(k.ended().Sub(k.At)))
	}
	return nil
}

// ended advances f — undoes it when its time has come, notes its
// daemon's restart — and reports whether it is over.
func (r *runner) ended(f *fault) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.undo != nil && !time.Now().Before(f.endAt) {
		if err := f.undo(); err != nil {
			r.lg.Warn("undo a fault; trying again", zap.Stringer("kind", f.k.Kind), zap.String("victim", f.k.Victim), zap.Error(err))
			return false
		}
		f.undo = nil
		if f.k.Kind.lasts() {
			f.k.HealedAt = time.Now() // a crashed host is over once its NM is back
		}
	}
	if f.daemon != "" {
		if at := r.cluster.StartedAt(f.daemon); at.After(f.k.At) {
			f.k.RestartedAt, f.daemon = at, ""
		}
	}
	return f.undo == nil && f.daemon == ""
}

// killGroup SIGKILLs the process group of a container (the container's
// process and its children, the job's plugin) and stamps the kill.
func killGroup(k *Kill) error {
	if k.PID <= 0 {
		return fmt.Errorf("%w: container %s has no pid", errNoVictim, k.Victim)
	}
	k.At = time.Now()
	if err := syscall.Kill(-k.PID, syscall.SIGKILL); err != nil {
		return fmt.Errorf("%w: kill container %s (pid %d): %v", errNoVictim, k.Victim, k.PID, err)
	}
	return nil
}

// executors writes "1 executor", "2 executors".
func executors(n int) string {
	if n == 1 {
		return "1 executor"
	}
	return fmt.Sprintf("%d executors", n)
}

func containerIDs(cs []runningContainer) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.id)
	}
	return out
}

// awaitRecovery ends f and waits until the application has recovered
// from it or the recovery timeout passed. It returns the recovery as seen
// so far; the error is for an application that failed or a cancelled run.
func (r *runner) awaitRecovery(ctx context.Context, f *fault) (Recovery, error) {
	start := f.kill().At
	deadline := start.Add(r.cfg.RecoveryTimeout + r.cfg.FaultMax + r.cfg.HostDown)
	for {
		over := r.ended(f)
		k := f.kill()
		samples, batches := r.obs.since(k.At)
		rec := measure(measureInput{kill: k, samples: samples, batches: batches, executors: r.cfg.Executors,
			nodeManagers: r.cfg.NodeManagers, batchDuration: r.cfg.BatchDuration})
		if over && rec.Recovered {
			r.release(f.holds...)
			return rec, nil
		}
		if st, diag := r.obs.badState(); st != "" {
			return rec, fmt.Errorf("%w: %s after the %s fault of %s: %s", ErrAppFailed, st, k.Kind, k.Victim, diag)
		}
		if time.Now().After(deadline) {
			if !over {
				return rec, fmt.Errorf("chaos: %s fault of %s not over within %v", k.Kind, k.Victim, time.Since(start).Round(time.Second))
			}
			fmt.Fprintf(r.out, "%13s NOT recovered within %v (resumed %s, AM and executors back %s, cluster back %s)\n", "",
				r.cfg.RecoveryTimeout, fmtDuration(rec.Resumed), fmtDuration(rec.Replaced), fmtDuration(rec.ClusterBack))
			r.release(f.holds...)
			return rec, nil
		}
		if err := sleep(ctx, r.cfg.SampleInterval); err != nil {
			return rec, err
		}
	}
}

// printRecovery prints one fault's recovery.
func (r *runner) printRecovery(rec Recovery) {
	line := fmt.Sprintf("batches resumed %s, caught up %s, AM and executors back %s", fmtDuration(rec.Resumed), fmtDuration(rec.CaughtUp), fmtDuration(rec.Replaced))
	if rec.endsLater() {
		how := "restarted"
		if rec.Kind.lasts() {
			how = "healed"
		}
		line += fmt.Sprintf(", %s after %s, batches after that %s", how, fmtDuration(rec.ended().Sub(rec.At)), fmtDuration(rec.AfterEnd))
	}
	switch rec.Kind {
	case KillNodeManager, HostCrash:
		line += fmt.Sprintf(", node LOST %s, work elsewhere %s, restarted and RUNNING %s", fmtDuration(rec.NodeLost), fmtDuration(rec.Elsewhere), fmtDuration(rec.ClusterBack))
	case KillResourceManager:
		line += fmt.Sprintf(", restarted with every node RUNNING %s", fmtDuration(rec.ClusterBack))
	case Partition, Slow, PauseKafka, PauseHDFS:
		line += fmt.Sprintf(", every node RUNNING %s", fmtDuration(rec.ClusterBack))
	}
	fmt.Fprintf(r.out, "%13s recovered in %s: %s\n", "", fmtDuration(rec.Settled), line)
}
