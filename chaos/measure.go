package chaos

import (
	"slices"
	"time"
)

// Kill is one fault: what was hit, when, and what went down with it.
type Kill struct {
	// Kind is what was hit.
	Kind Kind
	// At is when the SIGKILL was sent or the fault began.
	At time.Time
	// Victim names it: a container id, a node id, "resourcemanager", or
	// a test host.
	Victim string
	// Mode says how a network fault hit its host: "from the RM",
	// "from every host", "inbound", "outbound", "delay 300ms",
	// "loss 20%", "cut off".
	Mode string `json:",omitempty"`
	// HealedAt is when a network fault was undone (zero for a kill).
	HealedAt time.Time `json:",omitzero"`
	// Node is the node it ran on ("" for the RM).
	Node string
	// PID is the process killed.
	PID int
	// Gone are the application's containers that died with it, or that
	// the RM stops because of it (an attempt's executors with its AM).
	Gone []string `json:",omitempty"`
	// AMOnVictim tells whether a killed NM ran the AM.
	AMOnVictim bool `json:",omitempty"`
	// AttemptsBefore is the application's attempt count before the kill.
	AttemptsBefore int
	// RestartedAt is when a killed daemon served again (zero for a
	// container).
	RestartedAt time.Time `json:",omitzero"`
}

// ended is when the fault was over: its network healed or its daemon
// back; zero for a container killed, or while it lasts.
func (k Kill) ended() time.Time {
	if !k.HealedAt.IsZero() {
		return k.HealedAt
	}
	return k.RestartedAt
}

// endsLater reports whether the fault has an end to wait for: a network
// healed or a daemon restarted.
func (k Kill) endsLater() bool {
	switch k.Kind {
	case KillExecutor, KillAM:
		return false
	}
	return true
}

// Never marks a duration that was not observed.
const Never time.Duration = -1

// Recovery is how the application came through one kill. Durations are
// from the kill; Never when it was not seen.
type Recovery struct {
	Kill
	// Recovered tells whether everything below that applies to the kind
	// was seen; Settled is when the last of it was.
	Recovered bool
	Settled   time.Duration
	// Resumed is when the first batch planned after the kill committed.
	Resumed time.Duration
	// AfterEnd, for a fault that ends (a network healed, a daemon back),
	// is from its end until the first batch planned after it committed.
	AfterEnd time.Duration
	// CaughtUp is when the first batch after the kill that started less
	// than a batch duration late committed.
	CaughtUp time.Duration
	// Replaced is when the AM and every executor ran again, none of them
	// one of Gone (for an AM kill: in a new attempt).
	Replaced time.Duration
	// NodeLost (NodeManager kills) is when the RM reported the node LOST.
	NodeLost time.Duration
	// Elsewhere (NodeManager kills) is when the node's work ran on the
	// other nodes: executors replaced and batches resumed.
	Elsewhere time.Duration
	// ClusterBack (daemon kills) is when the restarted daemon served and
	// the RM had every node RUNNING again.
	ClusterBack time.Duration
	// AttemptsAfter is the attempt count just before the next kill (or at
	// the end): for an RM kill it must equal AttemptsBefore.
	AttemptsAfter int
	// InputRate is the transactions produced per second in the 10 s
	// before the kill; MinProcessed the lowest processed rate (records/s,
	// over a sliding window) from the kill until batches resumed.
	InputRate, MinProcessed float64
	// DelayedBatches are the batches from the kill until caught up that
	// completed more than a batch duration after their batch time.
	DelayedBatches int
}

// DipPercent is how far processing fell below the input rate, in percent.
func (r Recovery) DipPercent() float64 {
	if r.InputRate <= 0 {
		return 0
	}
	return max(0, 100*(1-r.MinProcessed/r.InputRate))
}

// recoveryWindow is the trailing window of the processed-rate series: long
// enough that a steady stream of batches shows as a steady rate.
const recoveryWindow = 3 * time.Second

// baselineWindow is how far before a kill the input rate is averaged.
const baselineWindow = 10 * time.Second

// measureInput is what measuring one kill needs.
type measureInput struct {
	kill Kill
	// samples are those taken after the kill, up to until.
	samples []sample
	// batches are every committed batch, in commit order.
	batches []batch
	// until is the next fault or the end of the run: attempts are
	// counted up to it.
	until time.Time
	// executors and nodeManagers are what the application and the cluster
	// have when whole.
	executors, nodeManagers int
	batchDuration           time.Duration
	// start, input and processed are the rate series: per second since
	// start.
	start     time.Time
	input     []int64
	processed []float64
}

// measure works out the recovery from one kill.
func measure(in measureInput) Recovery {
	k := in.kill
	r := Recovery{Kill: k, Resumed: Never, AfterEnd: Never, CaughtUp: Never, Replaced: Never, NodeLost: Never, Elsewhere: Never, ClusterBack: Never}
	since := func(t time.Time) time.Duration { return t.Sub(k.At) }
	end := k.ended()

	// Batches: the first planned at or after the kill, and the first that
	// started on time again.
	var caughtUp time.Time
	for _, b := range in.batches {
		done := b.completed()
		if !done.After(k.At) {
			continue
		}
		if !b.Time.Before(k.At) && r.Resumed == Never {
			r.Resumed = since(done)
		}
		if !end.IsZero() && !b.Time.Before(end) && r.AfterEnd == Never {
			r.AfterEnd = done.Sub(end)
		}
		if !b.Time.Before(k.At) && b.Scheduling < in.batchDuration && r.CaughtUp == Never {
			r.CaughtUp, caughtUp = since(done), b.Time
		}
	}
	for _, b := range in.batches {
		if b.completed().After(k.At) && (caughtUp.IsZero() || !b.Time.After(caughtUp)) && b.Scheduling+b.Processing > in.batchDuration {
			r.DelayedBatches++
		}
	}

	// Samples: replacements, node loss, the cluster whole again, attempts.
	r.AttemptsAfter = k.AttemptsBefore
	for _, s := range in.samples {
		if !s.at.After(k.At) {
			continue
		}
		// Attempts are counted until the next fault; what comes back is
		// looked for until the end, since faults may overlap.
		if s.rmUp && (in.until.IsZero() || !s.at.After(in.until)) {
			r.AttemptsAfter = s.attempts
		}
		// A network fault may leave the application whole while it
		// lasts: it is back once whole after the fault ended.
		if r.Replaced == Never && whole(s, k, in.executors) && (!k.Kind.lasts() || (!end.IsZero() && !s.at.Before(end))) {
			r.Replaced = since(s.at)
		}
		if (k.Kind == KillNodeManager || k.Kind == HostCrash) && r.NodeLost == Never && s.nodes[k.Node] == nodeLost {
			r.NodeLost = since(s.at)
		}
		if r.ClusterBack == Never && !end.IsZero() && !s.at.Before(end) && s.rmUp && s.nodesRunning() >= in.nodeManagers {
			r.ClusterBack = since(s.at)
		}
	}
	if (k.Kind == KillNodeManager || k.Kind == HostCrash) && r.Replaced != Never && r.Resumed != Never {
		r.Elsewhere = max(r.Replaced, r.Resumed)
	}

	// What must be seen for this kind.
	need := []time.Duration{r.Resumed, r.Replaced}
	if k.endsLater() {
		need = append(need, r.ClusterBack, r.AfterEnd)
	}
	// A node restarted before the RM noticed it gone is never LOST;
	// recovery does not wait for what cannot be seen any more.
	if (k.Kind == KillNodeManager || k.Kind == HostCrash) && (k.RestartedAt.IsZero() || r.NodeLost != Never) {
		need = append(need, r.NodeLost)
	}
	r.Recovered = !slices.Contains(need, Never)
	if r.Recovered {
		r.Settled = slices.Max(need)
	}

	r.InputRate = meanRate(in.input, in.start, k.At.Add(-baselineWindow), k.At)
	dipEnd := k.At.Add(recoveryWindow)
	if r.Resumed != Never {
		dipEnd = k.At.Add(r.Resumed + recoveryWindow)
	}
	r.MinProcessed = minRate(in.processed, in.start, k.At, dipEnd)
	return r
}

// whole reports whether s shows the application running in full after
// kill k: an AM and the executors, none of them gone with the kill, and
// for an AM kill in a later attempt than the one killed.
func whole(s sample, k Kill, executors int) bool {
	if s.am == nil || len(s.executors) < executors || slices.Contains(k.Gone, s.am.id) {
		return false
	}
	for _, e := range s.executors {
		if slices.Contains(k.Gone, e.id) {
			return false
		}
	}
	return true
}
