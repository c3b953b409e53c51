// Package passjob is a job that passes every record's value through to
// one output, with no aggregates: the least a job can do, so that
// benchmarks of the plugin boundary measure the boundary. Its binary is
// ./cmd/passjob.
package passjob

import (
	"context"

	"github.com/spindlehq/spindle/sdk"
)

// Job parses each record into one event, its value, and emits one output
// per event with the event as its value.
type Job struct{}

// Parse returns the record's value as its one event.
func (Job) Parse(rec sdk.Record) ([][]byte, error) {
	return [][]byte{rec.Value}, nil
}

// Emit returns one output per event.
func (Job) Emit(_ context.Context, _ sdk.PartitionInfo, events [][]byte) ([]sdk.Output, error) {
	outs := make([]sdk.Output, len(events))
	for i, e := range events {
		outs[i] = sdk.Output{Value: e}
	}
	return outs, nil
}

// AppendParse appends the record's value as its one event, sparing the
// slice Parse allocates per record.
func (Job) AppendParse(events [][]byte, rec sdk.Record) ([][]byte, error) {
	return append(events, rec.Value), nil
}
