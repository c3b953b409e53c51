package chaos

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spindlehq/spindle/devcluster"
)

// Report is the outcome of a chaos run.
type Report struct {
	// Settings are the run's main settings.
	Settings Settings
	// AppID is the application.
	AppID string
	// Started is when the cluster started.
	Started time.Time
	// ChaosStarted is when the first batch with records committed and the
	// kills began.
	ChaosStarted time.Time
	// Ended is when the application had stopped.
	Ended time.Time
	// Kills are every kill with its recovery, in order.
	Kills []Recovery
	// ByKind sums them up per kind, in the order of Kinds.
	ByKind []KindSummary
	// Targets are the recovery goals and whether the run met them.
	Targets []Target
	// Produced is what Kafka acknowledged.
	Produced devcluster.Produced
	// Read is the records read by committed batches.
	Read int64
	// Verification compares the output with Produced.
	Verification Verification
	// NeverFailed tells whether the application was never seen FAILED
	// or KILLED.
	NeverFailed bool
	// States lists the application states seen, in order.
	States []string
	// FinalState and FinalStatus are the RM's last word on the application.
	FinalState, FinalStatus string
	// Attempts is how many attempts the application had.
	Attempts int
	// Crashes are daemons that exited without being killed.
	Crashes []string `json:",omitempty"`
	// Leftovers are processes of the cluster's containers that were still
	// running after it stopped (killed then).
	Leftovers []string `json:",omitempty"`
	// Plot is the timeline's path.
	Plot string
	// Ledger is the producer's ledger file: every transaction and what
	// Kafka answered for it.
	Ledger string
	// Errors are what went wrong in the run itself.
	Errors []string `json:",omitempty"`
}

// Settings are a run's main settings, for the report (see Config).
type Settings struct {
	// Duration is how long kills went on.
	Duration time.Duration
	// Interval is the mean gap between a recovery and the next kill.
	Interval time.Duration
	// Seed decided the kills.
	Seed uint64
	// Rate is the transactions produced per second.
	Rate float64
	// Checkpoint is where the checkpoint lived: file or hdfs.
	Checkpoint string
	// Hosts is the number of test hosts (0: one machine).
	Hosts int `json:",omitempty"`
	// Faults are the kinds of fault the run drew from.
	Faults []Kind
	// Overlap tells whether faults could overlap.
	Overlap bool `json:",omitempty"`
	// BatchDuration is the job's batch duration.
	BatchDuration time.Duration
	// NodeManagers is the cluster's NodeManagers.
	NodeManagers int
	// Executors is the application's executors.
	Executors int
	// Partitions is the topic's partitions.
	Partitions int32
}

// KindSummary sums up the kills of one kind.
type KindSummary struct {
	// Kind is the kind of kill.
	Kind Kind
	// Kills counts the kills of the kind; Recovered those recovered from.
	Kills, Recovered int
	// ResumedMean and ResumedMax are the mean and worst Recovery.Resumed
	// of the kills (Never when none was seen); so are the pairs below for
	// their Recovery fields.
	ResumedMean, ResumedMax time.Duration
	// AfterEndMean and AfterEndMax: Recovery.AfterEnd.
	AfterEndMean, AfterEndMax time.Duration
	// CaughtUpMean and CaughtUpMax: Recovery.CaughtUp.
	CaughtUpMean, CaughtUpMax time.Duration
	// ReplacedMean and ReplacedMax: Recovery.Replaced.
	ReplacedMean, ReplacedMax time.Duration
	// NodeLostMean and NodeLostMax: Recovery.NodeLost.
	NodeLostMean, NodeLostMax time.Duration
	// ElsewhereMean and ElsewhereMax: Recovery.Elsewhere.
	ElsewhereMean, ElsewhereMax time.Duration
	// ClusterBackMean and ClusterBackMax: Recovery.ClusterBack.
	ClusterBackMean, ClusterBackMax time.Duration
	// DipMean and DipMax are the processed rate's fall below the input
	// rate, in percent.
	DipMean, DipMax float64
	// Delayed is the total of delayed batches.
	Delayed int
	// NewAttempts counts the kills after which the application had more
	// attempts than before.
	NewAttempts int
	// NodeLostMissed counts NodeManager kills whose node the RM never
	// reported LOST before the NodeManager was back.
	NodeLostMissed int
}

// OK reports whether the run kept every record exactly once and the
// application never failed, recovered from every kill, no daemon crashed
// and no process outlived the cluster.
func (r Report) OK() bool {
	for _, k := range r.Kills {
		if !k.Recovered {
			return false
		}
	}
	return r.Verification.OK() && r.NeverFailed && r.FinalStatus == statusSuccess && len(r.Crashes) == 0 && len(r.Leftovers) == 0 && len(r.Errors) == 0
}

// summarize sums up kills per kind.
func summarize(kills []Recovery) []KindSummary {
	var out []KindSummary
	for _, kind := range Kinds {
		s := KindSummary{Kind: kind}
		var resumed, afterEnd, caught, replaced, lost, elsewhere, back []time.Duration
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
			afterEnd = appendSeen(afterEnd, k.AfterEnd)
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
			if (kind == KillNodeManager || kind == HostCrash) && k.NodeLost == Never {
				s.NodeLostMissed++
			}
		}
		s.ResumedMean, s.ResumedMax = meanMax(resumed)
		s.AfterEndMean, s.AfterEndMax = meanMax(afterEnd)
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
