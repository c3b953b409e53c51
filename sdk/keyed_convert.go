package sdk

import (
	"fmt"
	"time"

	"github.com/spindlehq/spindle/api/jobpb"
)

// hostFeatures are what this build's hosts run beyond the base protocol.
var hostFeatures = []string{FeatureKeyedStages}

var stageKinds = map[StageKind]jobpb.KeyedStage_Kind{
	KindReduceByKey: jobpb.KeyedStage_REDUCE_BY_KEY,
	KindGroupByKey:  jobpb.KeyedStage_GROUP_BY_KEY,
	KindJoin:        jobpb.KeyedStage_JOIN,
	KindJoinTable:   jobpb.KeyedStage_JOIN_TABLE,
}

var stateKinds = map[StateKind]jobpb.KeyedStage_State{
	StateNone:         jobpb.KeyedStage_STATE_NONE,
	StateUpdateByKey:  jobpb.KeyedStage_UPDATE_STATE_BY_KEY,
	StateMapWithState: jobpb.KeyedStage_MAP_WITH_STATE,
	StateWindow:       jobpb.KeyedStage_WINDOW,
}

func stagesToProto(specs []StageSpec) []*jobpb.KeyedStage {
	out := make([]*jobpb.KeyedStage, len(specs))
	for i, s := range specs {
		out[i] = &jobpb.KeyedStage{
			Name: s.Name, Kind: stageKinds[s.Kind], Partitions: int32(s.Partitions), State: stateKinds[s.State],
			TimeoutMs: s.Timeout.Milliseconds(), WindowMs: s.Window.Milliseconds(), SlideMs: s.Slide.Milliseconds(),
			Inverse: s.Inverse, TableUri: s.Table, LeftOuter: s.LeftOuter, Emit: s.Emit,
		}
	}
	return out
}

func stagesFromProto(p []*jobpb.KeyedStage) ([]StageSpec, error) {
	if len(p) == 0 {
		return nil, nil
	}
	out := make([]StageSpec, len(p))
	for i, s := range p {
		sp := StageSpec{
			Name: s.GetName(), Partitions: int(s.GetPartitions()),
			Timeout: time.Duration(s.GetTimeoutMs()) * time.Millisecond, Window: time.Duration(s.GetWindowMs()) * time.Millisecond,
			Slide: time.Duration(s.GetSlideMs()) * time.Millisecond, Inverse: s.GetInverse(), Table: s.GetTableUri(),
			LeftOuter: s.GetLeftOuter(), Emit: s.GetEmit(),
		}
		for k, v := range stageKinds {
			if v == s.GetKind() {
				sp.Kind = k
			}
		}
		for k, v := range stateKinds {
			if v == s.GetState() {
				sp.State = k
			}
		}
		if sp.Kind == 0 {
			return nil, fmt.Errorf("%w: keyed stage %d (%q) has kind %v", ErrProtocol, i, sp.Name, s.GetKind())
		}
		out[i] = sp
	}
	return out, nil
}

func keyedToProto(kvs []KeyedValues) []*jobpb.KeyedValues {
	out := make([]*jobpb.KeyedValues, len(kvs))
	for i, kv := range kvs {
		keyLens, keys := stringColumn(len(kv.Keys), func(j int) string { return kv.Keys[j] })
		valueLens, values := bytesColumn(kv.Values)
		out[i] = &jobpb.KeyedValues{Stage: int32(kv.Stage), Side: int32(kv.Side), Count: uint32(len(kv.Keys)),
			KeyLengths: keyLens, Keys: keys, ValueLengths: valueLens, Values: values}
	}
	return out
}

func keyedFromProto(p []*jobpb.KeyedValues) ([]KeyedValues, error) {
	out := make([]KeyedValues, len(p))
	for i, kv := range p {
		n := int(kv.GetCount())
		o := KeyedValues{Stage: int(kv.GetStage()), Side: int(kv.GetSide()), Keys: make([]string, n), Values: make([][]byte, n)}
		if err := splitStrings("keyed keys", n, kv.GetKeyLengths(), kv.GetKeys(), func(j int, s string) { o.Keys[j] = s }); err != nil {
			return nil, err
		}
		if err := splitBytes("keyed values", n, kv.GetValueLengths(), kv.GetValues(), o.Values); err != nil {
			return nil, err
		}
		out[i] = o
	}
	return out, nil
}

func reduceKeysToProto(c *ReduceKeysCall) *jobpb.ReduceKeysRequest {
	req := &jobpb.ReduceKeysRequest{Stage: int32(c.Stage), BatchTime: timeToProto(c.BatchTime), Partition: int32(c.Partition),
		Partitions: int32(c.Partitions), Emit: c.Emit, WindowEnd: c.WindowEnd, Keys: make([]*jobpb.KeyInput, len(c.Keys)), TableLines: c.TableLines}
	for i, k := range c.Keys {
		req.Keys[i] = &jobpb.KeyInput{Key: []byte(k.Key), Values: k.Values, Right: k.Right, State: k.State, TimingOut: k.TimingOut,
			Window: k.Window, Leaving: k.Leaving, Entering: k.Entering}
	}
	return req
}

func reduceKeysFromProto(req *jobpb.ReduceKeysRequest) *ReduceKeysCall {
	c := &ReduceKeysCall{Stage: int(req.GetStage()), BatchTime: timeFromProto(req.GetBatchTime()), Partition: int(req.GetPartition()),
		Partitions: int(req.GetPartitions()), Emit: req.GetEmit(), WindowEnd: req.GetWindowEnd(), Keys: make([]KeyInput, len(req.GetKeys())),
		TableLines: nonNilAll(req.GetTableLines())}
	for i, k := range req.GetKeys() {
		c.Keys[i] = KeyInput{Key: string(k.GetKey()), Values: nonNilAll(k.GetValues()), Right: nonNilAll(k.GetRight()), State: k.State,
			TimingOut: k.GetTimingOut(), Window: k.Window, Leaving: nonNilAll(k.GetLeaving()), Entering: nonNilAll(k.GetEntering())}
		if c.Keys[i].State != nil {
			c.Keys[i].State = nonNil(c.Keys[i].State)
		}
		if c.Keys[i].Window != nil {
			c.Keys[i].Window = nonNil(c.Keys[i].Window)
		}
	}
	return c
}

func keyResultsToProto(rs []KeyResult) []*jobpb.KeyResult {
	out := make([]*jobpb.KeyResult, len(rs))
	for i, r := range rs {
		out[i] = &jobpb.KeyResult{Key: []byte(r.Key), Reduced: r.Reduced, State: r.State, Keep: r.Keep}
	}
	return out
}

func keyResultsFromProto(p []*jobpb.KeyResult) []KeyResult {
	out := make([]KeyResult, len(p))
	for i, r := range p {
		out[i] = KeyResult{Key: string(r.GetKey()), Reduced: r.Reduced, State: r.State, Keep: r.GetKeep()}
		if r.Reduced != nil {
			out[i].Reduced = nonNil(r.Reduced)
		}
		if r.GetKeep() {
			out[i].State = nonNil(r.State)
		} else {
			out[i].State = nil
		}
	}
	return out
}

// nonNilAll makes every value non-nil: values are never absent, only
// empty, and proto3 decodes an empty bytes field as nil.
func nonNilAll(vs [][]byte) [][]byte {
	for i, v := range vs {
		vs[i] = nonNil(v)
	}
	return vs
}

// bytesColumn concatenates vs into lengths and data.
func bytesColumn(vs [][]byte) (lengths []uint64, data []byte) {
	size := 0
	for _, v := range vs {
		size += len(v)
	}
	lengths, data = make([]uint64, len(vs)), make([]byte, 0, size)
	for i, v := range vs {
		lengths[i] = uint64(len(v))
		data = append(data, v...)
	}
	return lengths, data
}

// splitBytes undoes bytesColumn into out, whose fields share data.
func splitBytes(name string, n int, lengths []uint64, data []byte, out [][]byte) error {
	if len(lengths) != n {
		return fmt.Errorf("%w: column %s has %d lengths for %d fields", ErrProtocol, name, len(lengths), n)
	}
	off := uint64(0)
	for i, l := range lengths {
		if l > uint64(len(data))-off {
			return fmt.Errorf("%w: column %s: field %d of %d bytes runs past the column's %d bytes", ErrProtocol, name, i, l, len(data))
		}
		out[i] = data[off : off+l : off+l]
		off += l
	}
	if off != uint64(len(data)) {
		return fmt.Errorf("%w: column %s has %d bytes beyond its fields", ErrProtocol, name, uint64(len(data))-off)
	}
	return nil
}
