package chaos

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// fmtDuration writes d to the tenth of a second, "–" for Never.
func fmtDuration(d time.Duration) string {
	if d == Never {
		return "–"
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// fmtOffset writes how long after the chaos began something happened:
// seconds to the tenth below a minute, else minutes and seconds.
func fmtOffset(d time.Duration) string {
	if d < time.Minute {
		return fmtDuration(d)
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// meanMaxText writes "mean / max".
func meanMaxText(mean, largest time.Duration) string {
	if largest == Never {
		return "–"
	}
	return fmtDuration(mean) + " / " + fmtDuration(largest)
}

// WriteSummary prints the faults, the per-kind table, the targets and the
// verdict.
func (r Report) WriteSummary(w io.Writer) error {
	var b strings.Builder
	where := "one machine"
	if r.Settings.Hosts > 0 {
		where = fmt.Sprintf("%d test hosts", r.Settings.Hosts)
	}
	overlap := ""
	if r.Settings.Overlap {
		overlap = ", overlapping"
	}
	fmt.Fprintf(&b, "\nChaos run of %s on %s: %d faults%s over %s (seed %d, %.0f transactions/s, checkpoint on %s)\n\n",
		r.AppID, where, len(r.Kills), overlap, fmtOffset(r.Ended.Sub(r.ChaosStarted)), r.Settings.Seed, r.Settings.Rate, r.Settings.Checkpoint)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "fault\tat\tvictim\tlasted\tresumed\tafter end\tcaught up\treplaced\tnode LOST\tcluster back\tdip\tdelayed\tattempts")
	for _, k := range r.Kills {
		lost := fmtDuration(k.NodeLost)
		if k.Kind != KillNodeManager && k.Kind != HostCrash {
			lost = ""
		}
		back, after, lasted := fmtDuration(k.ClusterBack), fmtDuration(k.AfterEnd), ""
		if !k.endsLater() {
			back, after = "", ""
		}
		if end := k.ended(); !end.IsZero() {
			lasted = fmtDuration(end.Sub(k.At))
		}
		victim := k.Victim
		if k.Mode != "" {
			victim += " (" + k.Mode + ")"
		}
		if k.AMOnVictim {
			victim += " (with the AM)"
		}
		fmt.Fprintf(tw, "%s\t+%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f%%\t%d\t%d→%d\n", k.Kind, fmtOffset(k.At.Sub(r.ChaosStarted)), victim, lasted,
			fmtDuration(k.Resumed), after, fmtDuration(k.CaughtUp), fmtDuration(k.Replaced), lost, back, k.DipPercent(), k.DelayedBatches, k.AttemptsBefore, k.AttemptsAfter)
	}
	tw.Flush()

	b.WriteString("\nPer kind of fault (mean / worst; batches resumed: from the fault until a batch planned after it completed; after end: the same from the fault's end):\n\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kind\tfaults\trecovered\tbatches resumed\tafter end\tcaught up\tAM+executors back\tnode LOST\twork elsewhere\tcluster back\tdip (mean / worst)\tbatches delayed\tnew attempts")
	for _, s := range r.ByKind {
		if s.Kills == 0 && !slices.Contains(r.Settings.Faults, s.Kind) {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f%% / %.0f%%\t%d\t%d\n", s.Kind.Title(), s.Kills, s.Recovered,
			meanMaxText(s.ResumedMean, s.ResumedMax), meanMaxText(s.AfterEndMean, s.AfterEndMax), meanMaxText(s.CaughtUpMean, s.CaughtUpMax), meanMaxText(s.ReplacedMean, s.ReplacedMax),
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
	fmt.Fprintf(&b, "\nProduced %d transactions (%d valid, %d invalid; %d not acknowledged by Kafka, which may be read once or not at all); committed batches read %d records.\n",
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
	for _, l := range r.Leftovers {
		fmt.Fprintf(&b, "Process left running after the cluster stopped: %s\n", l)
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
	if r.Ledger != "" {
		fmt.Fprintf(&b, "Ledger of every transaction produced: %s (spindle chaos --verify %s checks the output against it again)\n", r.Ledger, filepath.Dir(r.Ledger))
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
