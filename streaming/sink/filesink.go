package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/sdk"
)

// DeadLetterDir is the dead-letter output's directory under the sink's.
const DeadLetterDir = "_deadletter"

// FileSink writes outputs as lines under Dir on Store:
// <dir>/batch=<batchTimeMs>/part-<topic>-<partition>.
type FileSink struct {
	Store dfs.Store
	Dir   string
	// fence, when set, is the attempt's fence of Dir (ForEpoch).
	fence *hdfscheckpoint.Fence
}

// PartitionPath is where a batch-partition's outputs land (the first
// part's, for a partition split into several tasks).
func (s FileSink) PartitionPath(batchTime time.Time, topic string, partition int32) string {
	return path.Join(s.batchDir(batchTime), PartFile(topic, partition, 0))
}

// batchDir holds a batch's output files.
func (s FileSink) batchDir(batchTime time.Time) string {
	return path.Join(s.Dir, "batch="+strconv.FormatInt(batchTime.UnixMilli(), 10))
}

// deadLetterDir holds a batch's dead-letter files.
func (s FileSink) deadLetterDir(batchTime time.Time) string {
	return path.Join(s.Dir, DeadLetterDir, "batch="+strconv.FormatInt(batchTime.UnixMilli(), 10))
}

// WritePartition writes one batch-partition's outputs, one per line
// (key, a tab, then the value; just the value when the key is nil),
// replacing what an earlier attempt of the same batch wrote.
func (s FileSink) WritePartition(ctx context.Context, batchTime time.Time, topic string, partition int32, outputs []sdk.Output) error {
	p := s.PartitionPath(batchTime, topic, partition)
	if err := s.write(ctx, p, appendOutputLines(nil, outputs)); err != nil {
		return fmt.Errorf("sink: write %s: %w", p, err)
	}
	return nil
}

// appendOutputLines appends outputs to buf as the file sink's lines.
func appendOutputLines(buf []byte, outputs []sdk.Output) []byte {
	// Sized up front: a partition's outputs can be tens of megabytes, and
	// growing the buffer would copy them several times.
	size := 0
	for _, o := range outputs {
		size += len(o.Key) + len(o.Value) + 2
	}
	buf = slices.Grow(buf, size)
	for _, o := range outputs {
		if o.Key != nil {
			buf = append(buf, o.Key...)
			buf = append(buf, '\t')
		}
		buf = append(buf, o.Value...)
		buf = append(buf, '\n')
	}
	return buf
}

// rejectedLine is one dead-letter record.
type rejectedLine struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Stage     string `json:"stage"`
	Reason    string `json:"reason"`
	Key       []byte `json:"key,omitempty"`
	Value     []byte `json:"value"`
}

// WriteRejected writes one batch-partition's rejected records, as JSON
// lines with their reasons, to the dead-letter output.
func (s FileSink) WriteRejected(ctx context.Context, batchTime time.Time, topic string, partition int32, rejected []sdk.Rejected) error {
	if len(rejected) == 0 {
		return nil
	}
	p := s.deadLetterPath(batchTime, topic, partition)
	if err := s.write(ctx, p, rejectedLines(rejected)); err != nil {
		return fmt.Errorf("sink: write dead letters %s: %w", p, err)
	}
	return nil
}

// deadLetterPath is where a batch-partition's rejected records land.
func (s FileSink) deadLetterPath(batchTime time.Time, topic string, partition int32) string {
	return path.Join(s.deadLetterDir(batchTime), PartFile(topic, partition, 0))
}

// rejectedLines encodes rejected records as the dead-letter output's JSON
// lines.
func rejectedLines(rejected []sdk.Rejected) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, r := range rejected {
		enc.Encode(rejectedLine{Topic: r.Record.Topic, Partition: r.Record.Partition, Offset: r.Record.Offset, Stage: fmt.Sprint(r.Stage), Reason: r.Reason, Key: r.Record.Key, Value: r.Record.Value})
	}
	return buf.Bytes()
}
