package chaos

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a chaos run.
type Report struct {
	// Settings are the run's main settings.
	Settings Settings
	// AppID is the application.
	AppID string
	// Started is when the cluster started; ChaosStarted when the first
	// batch with records committed and the kills began; Ended when the
	// application had stopped.
	Started, ChaosStarted, Ended time.Time
	// Kills are every kill with its recovery, in order.
	Kills []Recovery
	// ByKind sums them up per kind, in the order of Kinds.
	ByKind []KindSummary
	// Targets are the recovery goals and whether the run met them.
	Targets []Target
	// Produced is what Kafka acknowledged; Read the records read by
	// committed batches.
	Produced Produced
	Read     int64
	// Verification compares the output with Produced.
	Verification Verification
	// NeverFailed tells whether the application was never seen FAILED
	// or KILLED; States lists the states seen; FinalState and FinalStatus
	// are the RM's last word; Attempts the attempts it had.
	NeverFailed             bool
	States                  []string
	FinalState, FinalStatus string
	Attempts                int
	// Crashes are daemons that exited without being killed.
	Crashes []string `json:",omitempty"`
	// Plot is the timeline's path.
	Plot string
	// Errors are what went wrong in the run itself.
	Errors []string `json:",omitempty"`
}

// Settings are a run's main settings, for the report.
type Settings struct {
	Duration, Interval time.Duration
	Seed               uint64
	Rate               float64
	Checkpoint         string
	BatchDuration      time.Duration
	NodeManagers       int
	Executors          int
	Partitions         int32
}

// KindSummary sums up the kills of one kind.
type KindSummary struct {
	Kind Kind
	// Kills and Recovered count them.
	Kills, Recovered int
	// Mean and worst times from the kill; Never when none was seen.
	ResumedMean, ResumedMax         time.Duration
	CaughtUpMean, CaughtUpMax       time.Duration
	ReplacedMean, ReplacedMax       time.Duration
	NodeLostMean, NodeLostMax       time.Duration
	ElsewhereMean, ElsewhereMax     time.Duration
	ClusterBackMean, ClusterBackMax time.Duration
	// DipMean and DipMax are the processed rate's fall below the input
	// rate, in percent.
	DipMean, DipMax float64
	// Delayed is the total of delayed batches.
	Delayed int
	// NewAttempts counts the kills after which the application had more
	// attempts than before.
	NewAttempts int
}

// Target is one recovery goal.
type Target struct {
	// Name says what is measured; Goal what it must be.
	Name, Goal string
	// Measured is the worst value seen, as text.
	Measured string
	// Met tells whether it was reached; Seen whether it could be measured
	// at all (a run without that kind of kill cannot tell).
	Met, Seen bool
}

// OK reports whether the run kept every record exactly once and the
// application never failed, recovered from every kill, and no daemon
// crashed.
func (r Report) OK() bool {
	for _, k := range r.Kills {
		if !k.Recovered {
			return false
		}
	}
	return r.Verification.OK() && r.NeverFailed && r.FinalStatus == statusSuccess && len(r.Crashes) == 0 && len(r.Errors) == 0
}

// summarize sums up kills per kind.
func summarize(kills []Recovery) []KindSummary {
	var out []KindSummary
	for _, kind := range Kinds {
		s := KindSummary{Kind: kind}
		var resumed, caught, replaced, lost, elsewhere, back []time.Duration
		var dips []float64
		for _, k := range kills {
			if k.Kind != kind {
				continue
			}
			s.Kills++
			if k.Recovered {
				s.Recovered++
			}
			resumed = appendSeen(resumed, k.Resumed)
			caught = appendSeen(caught, k.CaughtUp)
			replaced = appendSeen(replaced, k.Replaced)
			lost = appendSeen(lost, k.NodeLost)
			elsewhere = appendSeen(elsewhere, k.Elsewhere)
			back = appendSeen(back, k.ClusterBack)
			dips = append(dips, k.DipPercent())
			s.Delayed += k.DelayedBatches
			if k.AttemptsAfter > k.AttemptsBefore {
				s.NewAttempts++
			}
		}
		s.ResumedMean, s.ResumedMax = meanMax(resumed)
		s.CaughtUpMean, s.CaughtUpMax = meanMax(caught)
		s.ReplacedMean, s.ReplacedMax = meanMax(replaced)
		s.NodeLostMean, s.NodeLostMax = meanMax(lost)
		s.ElsewhereMean, s.ElsewhereMax = meanMax(elsewhere)
		s.ClusterBackMean, s.ClusterBackMax = meanMax(back)
		for _, d := range dips {
			s.DipMean += d / float64(len(dips))
			s.DipMax = max(s.DipMax, d)
		}
		out = append(out, s)
	}
	return out
}

func appendSeen(ds []time.Duration, d time.Duration) []time.Duration {
	if d == Never {
		return ds
	}
	return append(ds, d)
}

// meanMax returns the mean and the largest of ds; Never for both when ds
// is empty.
func meanMax(ds []time.Duration) (mean, largest time.Duration) {
	if len(ds) == 0 {
		return Never, Never
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
		largest = max(largest, d)
	}
	return sum / time.Duration(len(ds)), largest
}

// targets checks the recovery goals against the kills and the output.
func targets(by []KindSummary, kills []Recovery, v Verification) []Target {
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
	out := []Target{
		under("executor kill → batches complete again", 3*time.Second, ex, ex.ResumedMax),
		under("AM kill → batches complete again", 5*time.Second, am, am.ResumedMax),
		under("NodeManager kill → node LOST in the RM", 5*time.Second, nm, nm.NodeLostMax),
		under("NodeManager kill → its work running elsewhere", 8*time.Second, nm, nm.ElsewhereMax),
	}
	rmT := Target{Name: "RM restart → running application untouched (no new attempt)", Goal: "0 new attempts", Measured: "no kill"}
	if rm.Kills > 0 {
		rmT.Seen = true
		rmT.Measured = fmt.Sprintf("%d new in %d restarts", rm.NewAttempts, rm.Kills)
		rmT.Met = rm.NewAttempts == 0 && rm.Recovered == rm.Kills
	}
	out = append(out, rmT,
		Target{Name: "records lost", Goal: "0", Measured: fmt.Sprint(v.Lost), Met: v.Lost == 0, Seen: true},
		Target{Name: "records twice (duplicates)", Goal: "0", Measured: fmt.Sprint(v.Duplicates), Met: v.Duplicates == 0, Seen: true},
	)
	return out
}

// fmtDuration writes d to the tenth of a second, "–" for Never.
func fmtDuration(d time.Duration) string {
	if d == Never {
		return "–"
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// meanMaxText writes "mean / max".
func meanMaxText(mean, largest time.Duration) string {
	if largest == Never {
		return "–"
	}
	return fmtDuration(mean) + " / " + fmtDuration(largest)
}

// WriteSummary prints the kills, the per-kind table, the targets and the
// verdict.
func (r Report) WriteSummary(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nChaos run of %s: %d kills over %s (seed %d, %.0f transactions/s, checkpoint on %s)\n\n",
		r.AppID, len(r.Kills), fmtDuration(r.Ended.Sub(r.ChaosStarted)), r.Settings.Seed, r.Settings.Rate, r.Settings.Checkpoint)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kill\tat\tvictim\tresumed\tcaught up\treplaced\tnode LOST\tcluster back\tdip\tdelayed\tattempts")
	for _, k := range r.Kills {
		lost := fmtDuration(k.NodeLost)
		if k.Kind != KillNodeManager {
			lost = ""
		}
		back := fmtDuration(k.ClusterBack)
		if k.Kind == KillExecutor || k.Kind == KillAM {
			back = ""
		}
		victim := k.Victim
		if k.AMOnVictim {
			victim += " (with the AM)"
		}
		fmt.Fprintf(tw, "%s\t+%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f%%\t%d\t%d→%d\n", k.Kind, fmtDuration(k.At.Sub(r.ChaosStarted)), victim,
			fmtDuration(k.Resumed), fmtDuration(k.CaughtUp), fmtDuration(k.Replaced), lost, back, k.DipPercent(), k.DelayedBatches, k.AttemptsBefore, k.AttemptsAfter)
	}
	tw.Flush()

	b.WriteString("\nPer kind of kill (mean / worst, from the kill):\n\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kind\tkills\trecovered\tbatches resumed\tcaught up\tAM+executors back\tnode LOST\twork elsewhere\tcluster back\tdip (mean / worst)\tbatches delayed\tnew attempts")
	for _, s := range r.ByKind {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f%% / %.0f%%\t%d\t%d\n", s.Kind.Title(), s.Kills, s.Recovered,
			meanMaxText(s.ResumedMean, s.ResumedMax), meanMaxText(s.CaughtUpMean, s.CaughtUpMax), meanMaxText(s.ReplacedMean, s.ReplacedMax),
			meanMaxText(s.NodeLostMean, s.NodeLostMax), meanMaxText(s.ElsewhereMean, s.ElsewhereMax), meanMaxText(s.ClusterBackMean, s.ClusterBackMax),
			s.DipMean, s.DipMax, s.Delayed, s.NewAttempts)
	}
	tw.Flush()

	b.WriteString("\nTargets:\n\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "what\tgoal\tmeasured (worst)\tmet")
	for _, t := range r.Targets {
		met := "no"
		switch {
		case !t.Seen:
			met = "not measured"
		case t.Met:
			met = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Goal, t.Measured, met)
	}
	tw.Flush()

	v := r.Verification
	fmt.Fprintf(&b, "\nProduced %d transactions (%d valid, %d invalid; %d refused by Kafka); committed batches read %d records.\n",
		r.Produced.Total(), r.Produced.Valid, r.Produced.Invalid, r.Produced.Refused, r.Read)
	fmt.Fprintf(&b, "Sink: %d lines, dead letters: %d; lost %d, duplicates %d, unexpected %d; revenue per store %s; state %s.\n",
		v.SinkLines, v.DeadLetters, v.Lost, v.Duplicates, v.Unexpected, okText(len(v.RevenueMismatch) == 0), okText(v.StateChecked && len(v.StateMismatch) == 0))
	never := "never FAILED"
	if !r.NeverFailed {
		never = "was FAILED or KILLED"
	}
	fmt.Fprintf(&b, "Application %s: %s, ended %s/%s after %d attempts (states seen: %s).\n",
		r.AppID, never, r.FinalState, r.FinalStatus, r.Attempts, strings.Join(r.States, " → "))
	for _, c := range r.Crashes {
		fmt.Fprintf(&b, "Daemon crashed: %s\n", c)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "Error: %s\n", e)
	}
	if err := v.Err(); err != nil {
		fmt.Fprintf(&b, "Output: %v\n", err)
	}
	if r.Plot != "" {
		fmt.Fprintf(&b, "Timeline: %s\n", r.Plot)
	}
	verdict := "PASS"
	if !r.OK() {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "Verdict: %s\n", verdict)
	_, err := io.WriteString(w, b.String())
	return err
}

func okText(ok bool) string {
	if ok {
		return "exact"
	}
	return "MISMATCH"
}

// writeJSON writes the report as indented JSON to path.
func (r Report) writeJSON(path string) error {
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("chaos: encode the report: %w", err)
	}
	if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
		return fmt.Errorf("chaos: write the report: %w", err)
	}
	return nil
}

// ReadReport reads a report that a run wrote as JSON.
func ReadReport(path string) (Report, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Report{}, fmt.Errorf("chaos: read the report: %w", err)
	}
	var r Report
	if err := json.Unmarshal(raw, &r); err != nil {
		return Report{}, fmt.Errorf("chaos: report %s: %w", path, err)
	}
	return r, nil
}
