package executor

import (
	"context"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/sdk"
)

// aggregateSet gathers a task's partial aggregates over its chunks, keys
// in the order they first appeared.
type aggregateSet struct {
	keys   []string
	values map[string][][]byte
}

func (a *aggregateSet) add(kvs []sdk.KeyValue) {
	if len(kvs) == 0 {
		return
	}
	if a.values == nil {
		a.values = make(map[string][][]byte, len(kvs))
	}
	for _, kv := range kvs {
		vs, ok := a.values[kv.Key]
		if !ok {
			a.keys = append(a.keys, kv.Key)
		}
		a.values[kv.Key] = append(vs, kv.Value)
	}
}

// reduce returns one partial aggregate per key: a key that more than one
// chunk produced is reduced by the job, as Spark combines on the map
// side, so that the driver gets as many values per task as before.
func (a *aggregateSet) reduce(ctx context.Context, job *sdk.JobClient) ([]*pb.KeyValue, error) {
	out := make([]*pb.KeyValue, 0, len(a.keys))
	var groups []sdk.KeyValues
	for _, k := range a.keys {
		if vs := a.values[k]; len(vs) > 1 {
			groups = append(groups, sdk.KeyValues{Key: k, Values: vs})
		}
	}
	reduced := map[string][]byte{}
	if len(groups) > 0 {
		kvs, err := job.Reduce(ctx, groups)
		if err != nil {
			return nil, err
		}
		for _, kv := range kvs {
			reduced[kv.Key] = kv.Value
		}
	}
	for _, k := range a.keys {
		v, ok := reduced[k]
		if !ok {
			v = a.values[k][0]
		}
		out = append(out, &pb.KeyValue{Key: k, Value: v})
	}
	return out, nil
}
