package sdk

import (
	"errors"
	"fmt"
	"regexp"
)

// FeatureKeyedStages is the host feature a job with keyed stages needs
// (ConfigureRequest.host_features).
const FeatureKeyedStages = "keyed-stages-v1"

// MaxStagePartitions bounds a keyed stage's reduce partitions.
const MaxStagePartitions = 1 << 16

// stageName is what a stage's name may be: it names files and
// checkpoint entries.
var stageName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// check reports every mistake in the declared stages, so that a job
// whose reduce side could not run fails at its start.
func (s *Stages[E]) check() error {
	var errs []error
	seen := map[string]bool{}
	for i, d := range s.list {
		sp := d.spec
		bad := func(format string, a ...any) {
			errs = append(errs, fmt.Errorf("keyed stage %d (%q): "+format, append([]any{i, sp.Name}, a...)...))
		}
		if !stageName.MatchString(sp.Name) {
			bad("a name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
		} else if seen[sp.Name] {
			bad("another stage has the same name")
		}
		seen[sp.Name] = true
		if d.key == nil || (sp.Kind == KindJoin && d.right == nil) {
			bad("a key function is nil")
		}
		if sp.Partitions < 0 || sp.Partitions > MaxStagePartitions {
			bad("%d partitions; want 1 to %d, or 0 for spark.default.parallelism", sp.Partitions, MaxStagePartitions)
		}
		if d.states > 1 {
			bad("UpdateStateByKey, MapWithState and Window each keep the stage's state: use one")
		}
		if !sp.Emit && sp.State == StateNone {
			bad("it neither emits nor keeps state: give it an Emit function")
		}
		if sp.State == StateMapWithState && sp.Emit {
			bad("MapWithState's function gives the outputs: a stage with it has no Emit")
		}
		switch sp.Kind {
		case KindReduceByKey:
			if d.reduce == nil {
				bad("ReduceByKey needs a reduce function")
			}
		case KindJoinTable:
			if sp.Table == "" || d.parseRow == nil {
				bad("JoinTable needs a table URI and a Parse function")
			}
		}
		switch sp.State {
		case StateUpdateByKey:
			if d.update == nil {
				bad("UpdateStateByKey's function is nil")
			}
		case StateMapWithState:
			if d.mapState == nil || sp.Timeout < 0 {
				bad("MapWithState needs a function and a timeout of 0 (none) or more")
			}
		case StateWindow:
			if sp.Window <= 0 || sp.Slide <= 0 || sp.Window%sp.Slide != 0 {
				bad("window %v and slide %v must be positive and the window a multiple of the slide", sp.Window, sp.Slide)
			}
		}
	}
	return errors.Join(errs...)
}

// specs returns the declared stages' specs, in declaration order.
func (s *Stages[E]) specs() []StageSpec {
	out := make([]StageSpec, len(s.list))
	for i, d := range s.list {
		out[i] = d.spec
	}
	return out
}
