package sdk

import (
	"context"
	"fmt"
	"slices"
)

// declareStages asks a Keyed job for its stages and checks them; a job
// with stages needs a host that runs them.
func (r *runner[E]) declareStages(hostFeatures []string) *StageError {
	if r.keyedJob == nil {
		return nil
	}
	s := &Stages[E]{}
	if serr := r.guard(StageConfigure, "", func() error { r.keyedJob.Stages(s); return nil }); serr != nil {
		return serr
	}
	if len(s.list) == 0 {
		return nil
	}
	if err := s.check(); err != nil {
		return &StageError{Stage: StageConfigure, Message: err.Error()}
	}
	if !slices.Contains(hostFeatures, FeatureKeyedStages) {
		return &StageError{Stage: StageConfigure, Message: "the job has keyed stages, which the Spindle that runs it cannot run: upgrade Spindle to the version of the job's sdk"}
	}
	r.stages = s
	return nil
}

// stageSpecs are the declared stages' specs; nil without stages.
func (r *runner[E]) stageSpecs() []StageSpec {
	if r.stages == nil {
		return nil
	}
	return r.stages.specs()
}

// keyValues gives each stage the partition's keyed values, by side; a
// ReduceByKey stage's values are reduced per key, as Spark combines on
// the map side.
func (r *runner[E]) keyValues(events []E) (out []KeyedValues, serr *StageError) {
	stage, key := StageKey, ""
	defer func() {
		if v := recover(); v != nil {
			out, serr = nil, r.panicked(stage, key, v)
		}
	}()
	for si, d := range r.stages.list {
		sides := []KeyFunc[E]{d.key}
		if d.right != nil {
			sides = append(sides, d.right)
		}
		for side, fn := range sides {
			kv := KeyedValues{Stage: si, Side: side}
			var index map[string]int
			if d.spec.Kind == KindReduceByKey {
				index = map[string]int{}
			}
			for _, e := range events {
				stage, key = StageKey, ""
				k, v, ok := fn(e)
				if !ok {
					continue
				}
				if index != nil {
					if i, seen := index[k]; seen {
						stage, key = StageReduce, k
						merged, err := d.reduce(kv.Values[i], v)
						if err != nil {
							return nil, &StageError{Stage: StageReduce, Key: k, Message: err.Error()}
						}
						kv.Values[i] = nonNil(merged)
						continue
					}
					index[k] = len(kv.Keys)
				}
				kv.Keys = append(kv.Keys, k)
				kv.Values = append(kv.Values, nonNil(v))
			}
			if len(kv.Keys) > 0 {
				out = append(out, kv)
			}
		}
	}
	return out, nil
}

// reduceKeys runs a stage's reduce side over the call's keys.
func (r *runner[E]) reduceKeys(ctx context.Context, call *ReduceKeysCall) (ReduceKeysResult, error) {
	if !r.configured.Load() {
		return ReduceKeysResult{}, ErrNotConfigured
	}
	if r.stages == nil || call.Stage < 0 || call.Stage >= len(r.stages.list) {
		return ReduceKeysResult{}, fmt.Errorf("%w: the job has no keyed stage %d", ErrUnsupported, call.Stage)
	}
	c := r.stages.list[call.Stage].stageCore
	if len(call.TableLines) > 0 {
		return c.parseTable(call.TableLines, r.guard)
	}
	k := keyedCall{c: c, call: call, guard: r.guard, res: ReduceKeysResult{Results: make([]KeyResult, len(call.Keys))}}
	for i := range call.Keys {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return ReduceKeysResult{}, err
			}
		}
		if serr := k.key(i); serr != nil {
			return ReduceKeysResult{}, serr
		}
	}
	if serr := k.emit(ctx); serr != nil {
		return ReduceKeysResult{}, serr
	}
	return k.res, nil
}

// keyedCall is one ReduceKeys call under way.
type keyedCall struct {
	c     *stageCore
	call  *ReduceKeysCall
	guard func(Stage, string, func() error) *StageError
	res   ReduceKeysResult
	// What Emit gets: results, groups or rows.
	results []KeyValue
	groups  []KeyValues
	rows    []Joined
}

// fold reduces values left to right; nil for none.
func (k *keyedCall) fold(key string, acc []byte, values [][]byte) ([]byte, *StageError) {
	serr := k.guard(StageReduce, key, func() error {
		for _, v := range values {
			if acc == nil {
				acc = v
				continue
			}
			var err error
			if acc, err = k.c.reduce(acc, v); err != nil {
				return err
			}
			acc = nonNil(acc)
		}
		return nil
	})
	return acc, serr
}

// key runs the stage over key i.
func (k *keyedCall) key(i int) *StageError {
	in := &k.call.Keys[i]
	out := &k.res.Results[i]
	out.Key = in.Key
	values := in.Values
	if k.c.spec.Kind == KindReduceByKey {
		reduced, serr := k.fold(in.Key, nil, in.Values)
		if serr != nil {
			return serr
		}
		out.Reduced, values = reduced, nil
		if reduced != nil {
			values = [][]byte{reduced}
		}
	}
	switch k.c.spec.State {
	case StateUpdateByKey:
		return k.guard(StageUpdateState, in.Key, func() error {
			st, keep, err := k.c.update(k.call.BatchTime, in.Key, values, in.State)
			if err == nil && keep {
				out.State, out.Keep = nonNil(st), true
				k.stateResult(in.Key, out.State)
			}
			return err
		})
	case StateMapWithState:
		return k.guard(StageMapWithState, in.Key, func() error {
			st := &State{value: in.State, exists: in.State != nil, timingOut: in.TimingOut}
			outs, err := k.c.mapState(k.call.BatchTime, in.Key, values, st)
			if err != nil {
				return err
			}
			if st.exists && !in.TimingOut {
				out.State, out.Keep = nonNil(st.value), true
			}
			if k.call.Emit {
				k.res.Outputs = append(k.res.Outputs, outs...)
			}
			return nil
		})
	case StateWindow:
		if !k.call.WindowEnd {
			return nil
		}
		w, serr := k.window(in, out.Reduced)
		if serr == nil && w != nil {
			out.State, out.Keep = w, true
			k.results = append(k.results, KeyValue{Key: in.Key, Value: w})
		}
		return serr
	}
	switch k.c.spec.Kind {
	case KindReduceByKey:
		if out.Reduced != nil {
			k.results = append(k.results, KeyValue{Key: in.Key, Value: out.Reduced})
		}
	case KindGroupByKey:
		k.groups = append(k.groups, KeyValues{Key: in.Key, Values: in.Values})
	case KindJoin, KindJoinTable:
		for _, l := range in.Values {
			for _, rv := range in.Right {
				k.rows = append(k.rows, Joined{Key: in.Key, Left: l, Right: rv})
			}
			if len(in.Right) == 0 && k.c.spec.LeftOuter {
				k.rows = append(k.rows, Joined{Key: in.Key, Left: l})
			}
		}
	}
	return nil
}

// stateResult is what Emit gets of a key's state: the state itself, or
// for a GroupByKey stage a group of one value.
func (k *keyedCall) stateResult(key string, state []byte) {
	if k.c.spec.Kind == KindGroupByKey {
		k.groups = append(k.groups, KeyValues{Key: key, Values: [][]byte{state}})
		return
	}
	k.results = append(k.results, KeyValue{Key: key, Value: state})
}

// window is the key's value over the window that ends at this batch;
// nil when the key has no value in it.
func (k *keyedCall) window(in *KeyInput, reduced []byte) ([]byte, *StageError) {
	entering := in.Entering
	if reduced != nil {
		entering = append(slices.Clip(entering), reduced)
	}
	if !k.c.spec.Inverse {
		return k.fold(in.Key, nil, entering)
	}
	w := in.Window
	if w != nil && len(in.Leaving) > 0 {
		serr := k.guard(StageInverse, in.Key, func() error {
			for _, l := range in.Leaving {
				var err error
				if w, err = k.c.inverse(w, l); err != nil {
					return err
				}
				w = nonNil(w)
			}
			return nil
		})
		if serr != nil {
			return nil, serr
		}
	}
	return k.fold(in.Key, w, entering)
}

// emit hands the call's results to the stage's Emit.
func (k *keyedCall) emit(ctx context.Context) *StageError {
	if !k.call.Emit || !k.c.spec.Emit {
		return nil
	}
	p := StageInfo{Stage: k.c.spec.Name, BatchTime: k.call.BatchTime, Partition: k.call.Partition, Partitions: k.call.Partitions}
	return k.guard(StageEmitKeyed, "", func() error {
		var outs []Output
		var err error
		switch {
		case k.c.emit != nil && len(k.results) > 0:
			outs, err = k.c.emit(ctx, p, k.results)
		case k.c.emitGroups != nil && len(k.groups) > 0:
			outs, err = k.c.emitGroups(ctx, p, k.groups)
		case k.c.emitJoined != nil && len(k.rows) > 0:
			outs, err = k.c.emitJoined(ctx, p, k.rows)
		}
		k.res.Outputs = append(k.res.Outputs, outs...)
		return err
	})
}

// parseTable parses a JoinTable stage's table lines into rows.
func (c *stageCore) parseTable(lines [][]byte, guard func(Stage, string, func() error) *StageError) (ReduceKeysResult, error) {
	if c.parseRow == nil {
		return ReduceKeysResult{}, fmt.Errorf("%w: keyed stage %q joins no table", ErrUnsupported, c.spec.Name)
	}
	var res ReduceKeysResult
	for _, line := range lines {
		serr := guard(StageTable, "", func() error {
			k, v, ok, err := c.parseRow(line)
			if err != nil {
				return fmt.Errorf("table %s: line %q: %w", c.spec.Table, line, err)
			}
			if ok {
				res.TableRows = append(res.TableRows, KeyValue{Key: k, Value: nonNil(v)})
			}
			return nil
		})
		if serr != nil {
			return ReduceKeysResult{}, serr
		}
	}
	return res, nil
}
