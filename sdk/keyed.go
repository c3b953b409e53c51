package sdk

import (
	"context"
	"time"
)

// Keyed is implemented by jobs with keyed stages, as Spark's reduceByKey,
// groupByKey, join, updateStateByKey, mapWithState and
// reduceByKeyAndWindow: after the map side (Parse, Enrich, Emit), each
// event gives a stage a key and a value; the values are shuffled by key
// to the stage's reduce partitions on the executors, which combine them,
// keep each key's state between batches and emit outputs. A key's values
// and state all live on one executor, so the state of a job can be far
// larger than what one process could hold.
//
// A job that only reduces to a few keys can keep doing so on the driver
// with Aggregator and StateUpdater, which needs no shuffle.
type Keyed[E any] interface {
	// Stages declares the job's keyed stages. It is called once, after
	// Configure, so that it can use the job's configuration.
	Stages(s *Stages[E])
}

// KeyFunc gives an event's key and value for a stage; ok false leaves the
// event out of it. It runs on the map side, for every event.
type KeyFunc[E any] func(e E) (key string, value []byte, ok bool)

// ReduceFunc combines two values of one key. It must be associative and
// commutative, since values are combined on the map side and then across
// map tasks in no fixed grouping, and must not modify a or b.
type ReduceFunc func(a, b []byte) ([]byte, error)

// UpdateFunc is updateStateByKey's function: a key's new state from its
// values of the batch at batchTime and its state after the batch before
// (nil when it has none). It is called for every key with new values and
// every key with state, values empty for the idle ones; keep false
// removes the key's state.
type UpdateFunc func(batchTime time.Time, key string, values [][]byte, old []byte) (state []byte, keep bool, err error)

// MapStateFunc is mapWithState's function: it is called for every key
// with new values, and once more for a key whose state has been idle for
// the stage's timeout (state.IsTimingOut, values empty), after which the
// state is removed. It returns the key's outputs and changes its state
// through state.
type MapStateFunc func(batchTime time.Time, key string, values [][]byte, state *State) ([]Output, error)

// EmitFunc emits a reduce partition's results: each key's reduced value
// (ReduceByKey), its state after the batch (with UpdateStateByKey: every
// key that has state, as Spark's state stream), or its window value at the
// end of a window (with Window). It is called once per slice of the
// partition's keys, in key order, so a partition may take several calls.
type EmitFunc func(ctx context.Context, p StageInfo, results []KeyValue) ([]Output, error)

// GroupEmitFunc emits a GroupByKey stage's groups: every value of each
// key in the batch, or, with UpdateStateByKey, each key's state.
type GroupEmitFunc func(ctx context.Context, p StageInfo, groups []KeyValues) ([]Output, error)

// JoinEmitFunc emits a join's rows.
type JoinEmitFunc func(ctx context.Context, p StageInfo, rows []Joined) ([]Output, error)

// Joined is one row of a join: a left value and a right value of the same
// key. Right is nil for a left value without a match in a left outer join.
type Joined struct {
	Key         string
	Left, Right []byte
}

// StageInfo identifies one reduce partition of a keyed stage in one batch.
type StageInfo struct {
	// Stage is the stage's name.
	Stage string
	// BatchTime is the batch's time, the same for every attempt of it.
	BatchTime time.Time
	// Partition is the reduce partition, of Partitions.
	Partition, Partitions int
}

// Table is a table read from the storage layer, joined with a stream by
// key: a file of lines, each a row.
type Table struct {
	// URI is the file, file:///… or hdfs://…. Executors read it again
	// when it changes.
	URI string
	// Parse gives a row's key and value; ok false skips the line (a
	// header, a comment). An error fails the reduce task with the line.
	Parse func(line []byte) (key string, value []byte, ok bool, err error)
}

// State is one key's state in a MapWithState function.
type State struct {
	value     []byte
	exists    bool
	timingOut bool
	removed   bool
}

// Exists reports whether the key has state.
func (s *State) Exists() bool { return s.exists }

// Get returns the key's state; nil when it has none.
func (s *State) Get() []byte { return s.value }

// Update sets the key's state. It cannot be called on a state that is
// timing out, which is removed after the call.
func (s *State) Update(v []byte) {
	s.value, s.exists, s.removed = nonNil(v), true, false
}

// Remove removes the key's state.
func (s *State) Remove() { s.value, s.exists, s.removed = nil, false, true }

// IsTimingOut reports whether this is the call for a key whose state has
// been idle for the stage's timeout.
func (s *State) IsTimingOut() bool { return s.timingOut }
