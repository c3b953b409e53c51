package chaos

import (
	"fmt"
	"time"
)

// Target is one recovery goal.
type Target struct {
	// Name says what is measured.
	Name string
	// Goal is what it must be.
	Goal string
	// Measured is the worst value seen, as text.
	Measured string
	// Met tells whether it was reached.
	Met bool
	// Seen tells whether it could be measured at all: a run without that
	// kind of kill cannot tell.
	Seen bool
}

// targets checks the recovery goals against the kills and the output.
func targets(by []KindSummary, v Verification) []Target {
	get := func(k Kind) KindSummary {
		for _, s := range by {
			if s.Kind == k {
				return s
			}
		}
		return KindSummary{Kind: k}
	}
	under := func(name string, goal time.Duration, s KindSummary, worst time.Duration) Target {
		t := Target{Name: name, Goal: "< " + fmtDuration(goal), Measured: "no kill"}
		if s.Kills == 0 {
			return t
		}
		t.Seen = true
		if worst == Never || s.Recovered < s.Kills {
			t.Measured = fmt.Sprintf("not seen in %d of %d", s.Kills-s.Recovered, s.Kills)
			return t
		}
		t.Measured, t.Met = fmtDuration(worst), worst < goal
		return t
	}
	ex, am, nm, rm := get(KillExecutor), get(KillAM), get(KillNodeManager), get(KillResourceManager)
	lost := under("NodeManager kill → node LOST in the RM", 5*time.Second, nm, nm.NodeLostMax)
	if nm.NodeLostMissed > 0 {
		lost.Measured, lost.Met = fmt.Sprintf("not before its restart in %d of %d", nm.NodeLostMissed, nm.Kills), false
	}
	out := []Target{
		under("executor kill → batches complete again", 3*time.Second, ex, ex.ResumedMax),
		under("AM kill → batches complete again", 5*time.Second, am, am.ResumedMax),
		lost,
		under("NodeManager kill → its work running elsewhere", 8*time.Second, nm, nm.ElsewhereMax),
	}
	rmT := Target{Name: "RM restart → running application untouched (no new attempt)", Goal: "0 new attempts", Measured: "no kill"}
	if rm.Kills > 0 {
		rmT.Seen = true
		rmT.Measured = fmt.Sprintf("%d new in %d restarts", rm.NewAttempts, rm.Kills)
		rmT.Met = rm.NewAttempts == 0 && rm.Recovered == rm.Kills
	}
	out = append(out, rmT)
	for _, k := range []Kind{Partition, HostCrash, Slow, PauseKafka, PauseHDFS} {
		if s := get(k); s.Kills > 0 {
			out = append(out, under(k.Title()+" over → batches complete again", 30*time.Second, s, s.AfterEndMax))
		}
	}
	out = append(out,
		Target{Name: "records lost", Goal: "0", Measured: fmt.Sprint(v.Lost), Met: v.Lost == 0, Seen: true},
		Target{Name: "records twice (duplicates)", Goal: "0", Measured: fmt.Sprint(v.Duplicates), Met: v.Duplicates == 0, Seen: true},
	)
	return out
}
