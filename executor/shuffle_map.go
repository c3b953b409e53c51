package executor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/shuffle"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/sink"
)

// mapOutput is a map task's output under way: each chunk's keyed values
// are sorted and spilled as the chunk leaves the job.
type mapOutput struct {
	w *shuffle.Writer
	// stages is the number of keyed stages, which the job's keyed values
	// must keep within.
	stages int
}

// newMapOutput starts map task t's output on this node.
func newMapOutput(cfg *StagesConfig, t *pb.LaunchTask) (*mapOutput, error) {
	m := t.GetMap()
	w, err := shuffle.NewWriter(cfg.batchDir(t.GetBatchTimeUnixMs()), int(m.GetMapIndex()), m.GetPartitions())
	if err != nil {
		return nil, err
	}
	return &mapOutput{w: w, stages: len(m.GetPartitions())}, nil
}

// add spills one chunk's keyed values.
func (m *mapOutput) add(keyed []sdk.KeyedValues) error {
	n := 0
	for _, kv := range keyed {
		if kv.Stage < 0 || kv.Stage >= m.stages || kv.Side < 0 || kv.Side > 1 {
			return fmt.Errorf("the job gave keyed values for stage %d side %d, but the driver planned %d stages", kv.Stage, kv.Side, m.stages)
		}
		n += len(kv.Keys)
	}
	pairs := make([]shuffle.Pair, 0, n)
	for _, kv := range keyed {
		for i, k := range kv.Keys {
			pairs = append(pairs, shuffle.Pair{Stage: kv.Stage, Key: k, Value: kv.Values[i], Side: uint8(kv.Side)})
		}
	}
	return m.w.AddChunk(pairs)
}

// abort drops the spilled runs of a task that failed; nil does nothing.
func (m *mapOutput) abort() {
	if m != nil {
		m.w.Abort()
	}
}

// commit writes the output and says where it is served.
func (m *mapOutput) commit(cfg *StagesConfig, t *pb.LaunchTask) (*pb.MapOutput, *pb.ShuffleMetrics, error) {
	if _, err := m.w.Commit(); err != nil {
		return nil, nil, err
	}
	out := &pb.MapOutput{BatchMs: t.GetBatchTimeUnixMs(), MapIndex: t.GetMap().GetMapIndex(), Addresses: cfg.Addresses}
	return out, &pb.ShuffleMetrics{RecordsWritten: m.w.Records, BytesWritten: m.w.Bytes}, nil
}

// openMapTask opens where task t's outputs go and, for a map task of
// keyed stages, its map output: a recomputed map task's outputs were
// written when its batch first ran, and are dropped.
func (r *JobRunner) openMapTask(ctx context.Context, t *pb.LaunchTask, batchTime time.Time, rng kafkasource.OffsetRange) (sink.PartitionWriter, *mapOutput, error) {
	if t.GetMap() == nil {
		out, err := r.openOutput(ctx, t, batchTime, rng)
		return out, nil, err
	}
	if r.cfg.Stages == nil {
		return nil, nil, errors.New("a map task of keyed stages, but this executor was started without them")
	}
	r.cfg.Stages.removeOldBatches(t.GetShuffleRetainFromMs())
	keyed, err := newMapOutput(r.cfg.Stages, t)
	if err != nil {
		return nil, nil, err
	}
	if t.GetMap().GetRecompute() {
		return discardWriter{}, keyed, nil
	}
	out, err := r.openOutput(ctx, t, batchTime, rng)
	if err != nil {
		keyed.w.Abort()
		return nil, nil, err
	}
	return out, keyed, nil
}

// openOutput opens the sink's writer of a task's outputs, through its
// attempt's fence: by its range where the sink needs it (RangeOpener),
// else by its partition.
func (r *JobRunner) openOutput(ctx context.Context, t *pb.LaunchTask, batchTime time.Time, rng kafkasource.OffsetRange) (sink.PartitionWriter, error) {
	w, err := r.sinkFor(t)
	if err != nil {
		return nil, err
	}
	if ro, ok := w.(RangeOpener); ok {
		return ro.OpenRange(ctx, batchTime, rng, int(t.GetChunkBase()))
	}
	return w.OpenPartition(ctx, batchTime, rng.Topic, rng.Partition, int(t.GetChunkBase()))
}

// removeOldBatches deletes this node's map outputs of the application's
// batches before fromMs, which the driver no longer needs.
func (cfg *StagesConfig) removeOldBatches(fromMs int64) {
	if fromMs <= 0 {
		return
	}
	for _, d := range cfg.AppDirs {
		des, err := os.ReadDir(shuffle.ShuffleRoot(d))
		if err != nil {
			continue
		}
		for _, de := range des {
			if ms, ok := shuffle.BatchOf(de.Name()); ok && ms < fromMs {
				os.RemoveAll(shuffle.BatchDir(d, ms))
			}
		}
	}
}

// discardWriter takes a recomputed map task's outputs and dead letters,
// which were written when the batch first ran, and keeps none.
type discardWriter struct{}

var _ sink.PartitionWriter = discardWriter{}

func (discardWriter) WriteOutputs(context.Context, int, []sdk.Output) error    { return nil }
func (discardWriter) WriteRejected(context.Context, int, []sdk.Rejected) error { return nil }
func (discardWriter) Commit(context.Context) error                             { return nil }
func (discardWriter) Abort()                                                   {}

// reduceTaskName names a reduce partition of a keyed stage as a sink's
// source: "~" cannot start a Kafka topic's name, so that it never meets
// a real source's files or output ids.
func reduceTaskName(stage string) string { return "~" + stage }

// ReducePartName is the sink's name of stage's reduce partition p's
// outputs (a file sink's part-~<stage>-<p>).
func ReducePartName(stage string, p int) string { return reduceTaskName(stage) + "-" + strconv.Itoa(p) }
