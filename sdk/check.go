package sdk

import (
	"fmt"
	"reflect"
)

// optionalMethod is a method of an optional interface, with the interface
// a job must implement for the method to be used.
type optionalMethod struct {
	name  string
	iface reflect.Type
	sig   string
}

// checkJob reports a job that would silently lose a stage: one with a
// method named like an optional one but with another signature (so the
// type assertion fails), or a StateUpdater without an Aggregator.
func checkJob[E any](job Job[E]) error {
	if job == nil {
		return fmt.Errorf("%w: the job is nil", ErrInvalidJob)
	}
	ev := reflect.TypeFor[E]().String()
	methods := []optionalMethod{
		{"Configure", reflect.TypeFor[Configurer](), "Configure(context.Context, sdk.JobContext) error"},
		{"AppendParse", reflect.TypeFor[AppendParser[E]](), fmt.Sprintf("AppendParse([]%s, sdk.Record) ([]%s, error)", ev, ev)},
		{"Enrich", reflect.TypeFor[Enricher[E]](), fmt.Sprintf("Enrich(context.Context, sdk.PartitionInfo, []%s) (sdk.Rejections, error)", ev)},
		{"Aggregate", reflect.TypeFor[Aggregator[E]](), fmt.Sprintf("Aggregate(%s) (string, []byte, bool)", ev)},
		{"Reduce", reflect.TypeFor[Aggregator[E]](), "Reduce([]byte, []byte) ([]byte, error) together with Aggregate"},
		{"UpdateState", reflect.TypeFor[StateUpdater](), "UpdateState(time.Time, string, [][]byte, []byte) ([]byte, bool, error)"},
		{"Stages", reflect.TypeFor[Keyed[E]](), fmt.Sprintf("Stages(*sdk.Stages[%s])", ev)},
	}
	t := reflect.TypeOf(job)
	for _, m := range methods {
		if _, has := t.MethodByName(m.name); has && !t.Implements(m.iface) {
			return fmt.Errorf("%w: %s has a method %s but it is not used: the signature must be %s", ErrInvalidJob, t, m.name, m.sig)
		}
	}
	_, aggregates := job.(Aggregator[E])
	if _, ok := job.(StateUpdater); ok && !aggregates {
		return fmt.Errorf("%w: %s implements StateUpdater but not Aggregator[%s], whose reduced values are the state's input", ErrInvalidJob, t, ev)
	}
	return nil
}
