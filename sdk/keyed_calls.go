package sdk

import (
	"context"
	"fmt"
	"time"
)

// ReduceKeysCall runs a keyed stage's reduce side over some keys of one
// reduce partition of one batch: what an executor's reduce task asks of
// the job, slice by slice of the partition's keys in key order.
type ReduceKeysCall struct {
	// Stage is the stage's position among the job's keyed stages.
	Stage     int
	BatchTime time.Time
	// Partition is the reduce partition, of Partitions.
	Partition, Partitions int
	// Emit: call the stage's Emit (or keep MapWithState's outputs); false
	// while a partition's state is rebuilt from the batches after its
	// checkpoint, whose outputs were written when they first ran.
	Emit bool
	// WindowEnd: this batch ends a window of a windowed stage.
	WindowEnd bool
	Keys      []KeyInput
	// TableLines are lines of a JoinTable stage's table for the job to
	// parse into rows (ReduceKeysResult.TableRows); a call with lines
	// has no keys.
	TableLines [][]byte
}

// KeyInput is one key of a reduce partition, with what its stage needs.
type KeyInput struct {
	Key string
	// Values are the key's values in the batch (a join's left side).
	Values [][]byte
	// Right are a join's right-side values, or the table's value of the
	// key (one, none for a key the table lacks).
	Right [][]byte
	// State is the key's state after the batch before; nil for none.
	State []byte
	// TimingOut: the key's state has been idle for the stage's timeout
	// (MapWithState); this is its last call.
	TimingOut bool
	// Window is the key's value when the last window ended (a window with
	// an inverse); nil for none.
	Window []byte
	// Leaving are the batch values that left the window since then (with
	// an inverse). Entering are those that entered it before this batch
	// (with an inverse), or all the window's before this batch (without).
	Leaving, Entering [][]byte
}

// KeyResult is one key's result of a ReduceKeysCall.
type KeyResult struct {
	Key string
	// Reduced is the key's values of the batch reduced (ReduceByKey); nil
	// when it had none.
	Reduced []byte
	// State is the key's new state, or its window value at a window's
	// end; set whenever Keep is.
	State []byte
	Keep  bool
}

// ReduceKeysResult is what a ReduceKeysCall returns: one KeyResult per key
// in call order, and the outputs.
type ReduceKeysResult struct {
	Results []KeyResult
	Outputs []Output
	// TableRows are the rows the job parsed from the call's TableLines,
	// in line order, without those it skipped.
	TableRows []KeyValue
}

// ReduceKeys runs a keyed stage's reduce side over the call's keys. A
// failure of the job's code is a *StageError naming the function and
// key.
func (c *JobClient) ReduceKeys(ctx context.Context, call ReduceKeysCall) (ReduceKeysResult, error) {
	res, err := c.rpc.reduceKeys(ctx, &call)
	if err != nil {
		return ReduceKeysResult{}, fmt.Errorf("sdk: job %s: keyed stage %d, partition %d of batch %s: %w", c.name, call.Stage, call.Partition, call.BatchTime.Format(time.RFC3339Nano), err)
	}
	if len(res.Results) != len(call.Keys) {
		return ReduceKeysResult{}, fmt.Errorf("%w: %d results for %d keys", ErrProtocol, len(res.Results), len(call.Keys))
	}
	for i := range res.Results {
		if res.Results[i].Key != call.Keys[i].Key {
			return ReduceKeysResult{}, fmt.Errorf("%w: result %d is for key %q, expected %q", ErrProtocol, i, res.Results[i].Key, call.Keys[i].Key)
		}
	}
	return res, nil
}

// Stages returns the job's keyed stages, in the order the job declared
// them (a stage's position is its number in ReduceKeysCall.Stage); none
// before Configure succeeded or for a job without keyed stages.
func (c *JobClient) Stages() []StageSpec { return c.stages }
