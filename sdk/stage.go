package sdk

import "fmt"

// Stage names a part of a job: where a record was rejected or a call
// failed.
type Stage string

// The stages, in the order a partition goes through them, then the
// driver's.
const (
	StageConfigure   Stage = "configure"
	StageParse       Stage = "parse"
	StageEnrich      Stage = "enrich"
	StageEmit        Stage = "emit"
	StageAggregate   Stage = "aggregate"
	StageReduce      Stage = "reduce"
	StageUpdateState Stage = "update_state"
	// The parts of a keyed stage (see Keyed): its key function on the
	// map side, its inverse, mapWithState and Emit functions on the
	// reduce side (its reduce function fails as StageReduce, its update
	// function as StageUpdateState), and the parsing of a joined table.
	StageKey          Stage = "key"
	StageInverse      Stage = "inverse"
	StageMapWithState Stage = "map_with_state"
	StageEmitKeyed    Stage = "emit_keyed"
	StageTable        Stage = "table"
)

// StageError is a failure of the job's own code: an error a stage
// returned, or a panic the plugin recovered from, after which the plugin
// keeps serving. Use errors.As to find it in an error a JobClient returns.
type StageError struct {
	// Stage is the stage that failed.
	Stage Stage
	// Key is the aggregate or state key being processed, if any.
	Key string
	// Panic is true when the stage panicked rather than returned an error.
	Panic bool
	// Message is the error's text or the panic's value.
	Message string
}

// Error names the stage, the key if any, and what went wrong.
func (e *StageError) Error() string {
	what := "failed"
	if e.Panic {
		what = "panicked"
	}
	if e.Key != "" {
		return fmt.Sprintf("job stage %s %s on key %q: %s", e.Stage, what, e.Key, e.Message)
	}
	return fmt.Sprintf("job stage %s %s: %s", e.Stage, what, e.Message)
}
