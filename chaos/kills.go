package chaos

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// errNoVictim: nothing of the kind drawn was running to be killed.
var errNoVictim = errors.New("chaos: no victim")

// chaos kills at random until the duration is over and returns the kills,
// each with its RestartedAt set.
func (r *runner) chaos(ctx context.Context) ([]Kill, error) {
	r.report.ChaosStarted = time.Now()
	end := r.report.ChaosStarted.Add(r.cfg.Duration)
	fmt.Fprintf(r.out, "First batch committed. Killing for %v, a kill about every %v after recovering from the last (seed %d).\n\n",
		r.cfg.Duration, r.cfg.Interval, r.cfg.Seed)
	sched := NewSchedule(r.cfg.Seed, r.cfg.Interval)
	var kills []Kill
	for {
		kind, gap := sched.Next()
		at := time.Now().Add(gap)
		if at.After(end) {
			break
		}
		if err := r.waitFor(ctx, time.Until(at)+time.Minute, "gap", func() bool { return !time.Now().Before(at) }); err != nil {
			return kills, err
		}
		k, restart, delay, err := r.kill(ctx, kind)
		if errors.Is(err, errNoVictim) {
			r.lg.Warn("nothing to kill", zap.Stringer("kind", kind), zap.Error(err))
			continue
		}
		if err != nil {
			return kills, err
		}
		fmt.Fprintf(r.out, "%s +%-7s kill %-15s %s (pid %d)%s\n", k.At.Format("15:04:05.000"), fmtOffset(k.At.Sub(r.report.ChaosStarted)),
			k.Kind, k.Victim, k.PID, onNode(k))
		rec, err := r.awaitRecovery(ctx, &k, restart, delay)
		kills = append(kills, k)
		if err != nil {
			return kills, err
		}
		r.printRecovery(rec)
	}
	if err := r.waitFor(ctx, time.Until(end)+time.Minute, "end of the chaos", func() bool { return !time.Now().Before(end) }); err != nil {
		return kills, err
	}
	return kills, nil
}

// onNode says where a killed container ran.
func onNode(k Kill) string {
	switch {
	case k.Kind == KillNodeManager && k.AMOnVictim:
		return fmt.Sprintf(", which ran the AM (its attempt's %s end with it)", executors(len(k.Gone)-1))
	case k.Kind == KillNodeManager:
		return ", which ran " + executors(len(k.Gone))
	case k.Node != "":
		return " on " + k.Node
	}
	return ""
}

// kill SIGKILLs something of kind and returns the kill, how to restart a
// killed daemon (nil for a container) and after what delay.
func (r *runner) kill(ctx context.Context, kind Kind) (Kill, func(context.Context) error, time.Duration, error) {
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
			return Kill{Kind: kind}, nil, 0, fmt.Errorf("chaos: the ResourceManager did not answer for %v before a %s kill", r.cfg.RecoveryTimeout, kind)
		}
		if err := sleep(ctx, r.cfg.SampleInterval); err != nil {
			return Kill{Kind: kind}, nil, 0, err
		}
	}
	k := Kill{Kind: kind, AttemptsBefore: s.attempts}
	switch kind {
	case KillExecutor:
		if len(s.executors) == 0 {
			return k, nil, 0, fmt.Errorf("%w: no running executor", errNoVictim)
		}
		e := s.executors[r.victims.IntN(len(s.executors))]
		k.Victim, k.Node, k.PID, k.Gone = e.id, e.node, e.pid, []string{e.id}
		return k, nil, 0, killGroup(&k)
	case KillAM:
		if s.am == nil {
			return k, nil, 0, fmt.Errorf("%w: no running AM", errNoVictim)
		}
		k.Victim, k.Node, k.PID = s.am.id, s.am.node, s.am.pid
		// The RM stops the attempt's executors when its AM dies.
		k.Gone = append([]string{s.am.id}, containerIDs(s.executors)...)
		return k, nil, 0, killGroup(&k)
	case KillNodeManager:
		i := r.victims.IntN(r.cfg.NodeManagers)
		k.Node = r.sup.nmAddresses()[i].NodeID
		k.Victim = k.Node
		if s.am != nil && s.am.nm == i {
			// The attempt ends with its AM: every executor goes.
			k.AMOnVictim = true
			k.Gone = append([]string{s.am.id}, containerIDs(s.executors)...)
		} else {
			for _, e := range s.executors {
				if e.nm == i {
					k.Gone = append(k.Gone, e.id)
				}
			}
		}
		k.At = time.Now()
		k.PID = r.sup.killNM(i)
		return k, func(ctx context.Context) error { return r.sup.restartNM(ctx, i) }, r.cfg.NMRestartDelay, nil
	case KillResourceManager:
		k.Victim = "resourcemanager"
		k.At = time.Now()
		k.PID = r.sup.killRM()
		return k, r.sup.restartRM, r.cfg.RMRestartDelay, nil
	}
	return k, nil, 0, fmt.Errorf("chaos: unknown kind of kill %v", kind)
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

// awaitRecovery restarts a killed daemon after delay, as a supervisor
// would, and waits until the application has recovered from k or the
// recovery timeout passed. It returns the recovery as seen so far; the
// error is for an application that failed or a cancelled run.
func (r *runner) awaitRecovery(ctx context.Context, k *Kill, restart func(context.Context) error, delay time.Duration) (Recovery, error) {
	deadline := k.At.Add(r.cfg.RecoveryTimeout)
	nextRestart := k.At.Add(delay)
	var restartErr error
	for {
		if restart != nil && !time.Now().Before(nextRestart) {
			if restartErr = restart(ctx); restartErr != nil {
				r.lg.Warn("restart failed; retrying", zap.Stringer("kind", k.Kind), zap.String("victim", k.Victim), zap.Error(restartErr))
				nextRestart = time.Now().Add(restartRetry)
			} else {
				k.RestartedAt = time.Now()
				restart = nil
			}
		}
		samples, batches := r.obs.since(k.At)
		rec := measure(measureInput{kill: *k, samples: samples, batches: batches, executors: r.cfg.Executors,
			nodeManagers: r.cfg.NodeManagers, batchDuration: r.cfg.BatchDuration})
		if rec.Recovered && restart == nil {
			return rec, nil
		}
		if st, diag := r.obs.badState(); st != "" {
			return rec, fmt.Errorf("%w: %s after the %s kill of %s: %s", ErrAppFailed, st, k.Kind, k.Victim, diag)
		}
		if time.Now().After(deadline) && restart != nil {
			return rec, fmt.Errorf("chaos: %s %s not restarted within %v: %w", k.Kind, k.Victim, r.cfg.RecoveryTimeout, restartErr)
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(r.out, "%13s NOT recovered within %v (resumed %s, AM and executors back %s, cluster back %s)\n", "",
				r.cfg.RecoveryTimeout, fmtDuration(rec.Resumed), fmtDuration(rec.Replaced), fmtDuration(rec.ClusterBack))
			return rec, nil
		}
		if err := sleep(ctx, r.cfg.SampleInterval); err != nil {
			return rec, err
		}
	}
}

// printRecovery prints one kill's recovery.
func (r *runner) printRecovery(rec Recovery) {
	line := fmt.Sprintf("batches resumed %s, caught up %s, AM and executors back %s", fmtDuration(rec.Resumed), fmtDuration(rec.CaughtUp), fmtDuration(rec.Replaced))
	switch rec.Kind {
	case KillNodeManager:
		line += fmt.Sprintf(", node LOST %s, work elsewhere %s, restarted and RUNNING %s", fmtDuration(rec.NodeLost), fmtDuration(rec.Elsewhere), fmtDuration(rec.ClusterBack))
	case KillResourceManager:
		line += fmt.Sprintf(", restarted with every node RUNNING %s", fmtDuration(rec.ClusterBack))
	}
	fmt.Fprintf(r.out, "%13s recovered in %s: %s\n", "", fmtDuration(rec.Settled), line)
}
