package sdk

import "time"

// StageKind is what a keyed stage's reduce side does with a key's values.
type StageKind int

// Kinds of keyed stage.
const (
	KindReduceByKey StageKind = iota + 1
	KindGroupByKey
	KindJoin
	KindJoinTable
)

// StateKind is the state a keyed stage keeps per key between batches.
type StateKind int

// Kinds of keyed state.
const (
	StateNone StateKind = iota
	StateUpdateByKey
	StateMapWithState
	StateWindow
)

// StageSpec describes a keyed stage to the host: the driver plans its
// reduce partitions from it, executors run it.
type StageSpec struct {
	// Name names the stage in file names, checkpoints and metrics.
	Name string
	Kind StageKind
	// Partitions is the number of reduce partitions; 0 leaves it to the
	// application's spark.default.parallelism.
	Partitions int
	State      StateKind
	// Timeout is MapWithState's idle timeout; 0 = none.
	Timeout time.Duration
	// Window and Slide are a windowed stage's durations; Inverse says
	// whether it has an inverse function.
	Window, Slide time.Duration
	Inverse       bool
	// Table is a JoinTable stage's table URI; LeftOuter keeps left values
	// without a match.
	Table     string
	LeftOuter bool
	// Emit: the stage has an Emit function.
	Emit bool
}

// Stages collects a job's keyed stages: see Keyed.
type Stages[E any] struct {
	list []*stageDecl[E]
}

// stageDecl is one declared stage with its functions: the key functions,
// generic in the job's events, and the rest.
type stageDecl[E any] struct {
	*stageCore
	key, right KeyFunc[E]
}

// stageCore is the part of a stage that does not depend on the events.
type stageCore struct {
	spec       StageSpec
	reduce     ReduceFunc
	inverse    ReduceFunc
	update     UpdateFunc
	mapState   MapStateFunc
	emit       EmitFunc
	emitGroups GroupEmitFunc
	emitJoined JoinEmitFunc
	parseRow   func(line []byte) (string, []byte, bool, error)
	// states counts the state kinds set, which must be at most one.
	states int
}

func (s *Stages[E]) add(spec StageSpec, key, right KeyFunc[E]) *stageCore {
	c := &stageCore{spec: spec}
	s.list = append(s.list, &stageDecl[E]{stageCore: c, key: key, right: right})
	return c
}

// ReduceByKey declares a stage that combines each key's values with
// reduce, on the map side and after the shuffle, as Spark's reduceByKey.
func (s *Stages[E]) ReduceByKey(name string, key KeyFunc[E], reduce ReduceFunc) *ReduceStage {
	c := s.add(StageSpec{Name: name, Kind: KindReduceByKey}, key, nil)
	c.reduce = reduce
	return &ReduceStage{c}
}

// GroupByKey declares a stage that gathers every value of each key, as
// Spark's groupByKey: nothing is combined, so prefer ReduceByKey when the
// values can be.
func (s *Stages[E]) GroupByKey(name string, key KeyFunc[E]) *GroupStage {
	return &GroupStage{s.add(StageSpec{Name: name, Kind: KindGroupByKey}, key, nil)}
}

// Join declares a join of two keyed streams within each batch, as
// Spark's join: left and right key the events of each side (an event may
// belong to either or both), and each left value of a key is paired with
// each right value of the same key in the batch.
func (s *Stages[E]) Join(name string, left, right KeyFunc[E]) *JoinStage {
	return &JoinStage{s.add(StageSpec{Name: name, Kind: KindJoin}, left, right)}
}

// JoinTable declares a join of a keyed stream with a table read from the
// storage layer, as a Spark stream joined with a static dataset: each
// value is paired with its key's row of the table. Each reduce partition
// reads the rows of its own keys.
func (s *Stages[E]) JoinTable(name string, key KeyFunc[E], table Table) *JoinStage {
	c := s.add(StageSpec{Name: name, Kind: KindJoinTable, Table: table.URI}, key, nil)
	c.parseRow = table.Parse
	return &JoinStage{c}
}

// ReduceStage is a ReduceByKey stage being declared.
type ReduceStage struct{ c *stageCore }

// Partitions sets the number of reduce partitions, as reduceByKey's
// numPartitions; the default is the application's spark.default.parallelism.
// A stage with state keeps the number its checkpoint started with.
func (r *ReduceStage) Partitions(n int) *ReduceStage { r.c.spec.Partitions = n; return r }

// UpdateStateByKey keeps state per key: update gets each key's reduced
// value of the batch (none for an idle key) and its state.
func (r *ReduceStage) UpdateStateByKey(update UpdateFunc) *ReduceStage {
	r.c.setState(StateUpdateByKey)
	r.c.update = update
	return r
}

// MapWithState keeps state per key with fn, which also gives the
// outputs; a key idle for timeout (0: never) gets a last call and loses
// its state.
func (r *ReduceStage) MapWithState(fn MapStateFunc, timeout time.Duration) *ReduceStage {
	r.c.setState(StateMapWithState)
	r.c.mapState, r.c.spec.Timeout = fn, timeout
	return r
}

// Window reduces each key's values over the last window, every slide, as
// Spark's reduceByKeyAndWindow; both must be multiples of the batch
// duration. With an inverse function (which takes a value out of a
// reduced value: inverse(reduce(a, b), b) = a), each window is the
// previous one less the batches that left it plus those that entered;
// without one (nil), each window is reduced from all its batches.
func (r *ReduceStage) Window(window, slide time.Duration, inverse ReduceFunc) *ReduceStage {
	r.c.setState(StateWindow)
	r.c.spec.Window, r.c.spec.Slide, r.c.spec.Inverse, r.c.inverse = window, slide, inverse != nil, inverse
	return r
}

// Emit sets the function that emits the stage's results.
func (r *ReduceStage) Emit(fn EmitFunc) *ReduceStage {
	r.c.emit, r.c.spec.Emit = fn, fn != nil
	return r
}

// GroupStage is a GroupByKey stage being declared.
type GroupStage struct{ c *stageCore }

// Partitions sets the number of reduce partitions (see ReduceStage).
func (g *GroupStage) Partitions(n int) *GroupStage { g.c.spec.Partitions = n; return g }

// UpdateStateByKey keeps state per key: update gets all of the key's
// values of the batch.
func (g *GroupStage) UpdateStateByKey(update UpdateFunc) *GroupStage {
	g.c.setState(StateUpdateByKey)
	g.c.update = update
	return g
}

// MapWithState keeps state per key with fn (see ReduceStage).
func (g *GroupStage) MapWithState(fn MapStateFunc, timeout time.Duration) *GroupStage {
	g.c.setState(StateMapWithState)
	g.c.mapState, g.c.spec.Timeout = fn, timeout
	return g
}

// Emit sets the function that emits the stage's groups.
func (g *GroupStage) Emit(fn GroupEmitFunc) *GroupStage {
	g.c.emitGroups, g.c.spec.Emit = fn, fn != nil
	return g
}

// JoinStage is a Join or JoinTable stage being declared.
type JoinStage struct{ c *stageCore }

// Partitions sets the number of reduce partitions (see ReduceStage).
func (j *JoinStage) Partitions(n int) *JoinStage { j.c.spec.Partitions = n; return j }

// LeftOuter keeps the left values without a match, with a nil Right.
func (j *JoinStage) LeftOuter() *JoinStage { j.c.spec.LeftOuter = true; return j }

// Emit sets the function that emits the join's rows.
func (j *JoinStage) Emit(fn JoinEmitFunc) *JoinStage {
	j.c.emitJoined, j.c.spec.Emit = fn, fn != nil
	return j
}

func (c *stageCore) setState(k StateKind) {
	c.spec.State = k
	c.states++
}
