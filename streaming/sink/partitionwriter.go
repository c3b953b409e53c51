package sink

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/sdk"
)

// PartitionWriter takes one task's outputs and rejected records chunk by
// chunk, in chunk order, while the task is still reading and processing
// the chunks after them. Nothing of a batch-partition counts as written
// until Commit returns; a writer that is aborted, or whose task dies,
// leaves the sink as a replay of the batch can put right.
type PartitionWriter interface {
	// WriteOutputs writes chunk's outputs, in order.
	WriteOutputs(ctx context.Context, chunk int, outputs []sdk.Output) error
	// WriteRejected writes chunk's rejected records to the dead-letter
	// output.
	WriteRejected(ctx context.Context, chunk int, rejected []sdk.Rejected) error
	// Commit finishes the batch-partition's writes; the task succeeds only
	// once it returned nil.
	Commit(ctx context.Context) error
	// Abort drops what was written and not committed, where the sink can.
	Abort()
}

// errAborted ends a file sink's streams that a task abandoned.
var errAborted = errors.New("sink: task aborted its writes")

// OpenPartition starts the files of one task's part of a batch-partition,
// the part whose first chunk is firstChunk (0 for a whole partition).
// Outputs stream into a temporary file as chunks arrive, renamed into place
// by Commit, so that the file appears whole or not at all and a replay
// replaces it; the dead-letter file does the same, opened at the first
// rejected record. A partition split into several tasks has a file per
// task (PartFile).
func (s FileSink) OpenPartition(ctx context.Context, batchTime time.Time, topic string, partition int32, firstChunk int) (PartitionWriter, error) {
	w := &filePartitionWriter{ctx: ctx, sink: s, batchTime: batchTime, topic: topic, partition: partition, firstChunk: firstChunk}
	w.outputs = s.openStream(ctx, path.Join(s.batchDir(batchTime), PartFile(topic, partition, firstChunk)))
	return w, nil
}

// PartFile names the file of a task's part of a batch-partition:
// part-<topic>-<partition> for a whole partition or the first part of a
// split one, part-<topic>-<partition>.<firstChunk> for the others.
func PartFile(topic string, partition int32, firstChunk int) string {
	name := fmt.Sprintf("part-%s-%d", topic, partition)
	if firstChunk > 0 {
		name += "." + strconv.Itoa(firstChunk)
	}
	return name
}

// filePartitionWriter is FileSink's PartitionWriter.
type filePartitionWriter struct {
	// ctx bounds the streams, which outlive each write.
	ctx        context.Context
	sink       FileSink
	batchTime  time.Time
	topic      string
	partition  int32
	firstChunk int
	outputs    *storeStream
	rejected   *storeStream
	buf        []byte
}

func (w *filePartitionWriter) WriteOutputs(ctx context.Context, _ int, outputs []sdk.Output) error {
	w.buf = appendOutputLines(w.buf[:0], outputs)
	if err := w.outputs.write(w.buf); err != nil {
		return fmt.Errorf("sink: write %s: %w", w.outputs.path, err)
	}
	return nil
}

func (w *filePartitionWriter) WriteRejected(ctx context.Context, _ int, rejected []sdk.Rejected) error {
	if len(rejected) == 0 {
		return nil
	}
	if w.rejected == nil {
		w.rejected = w.sink.openStream(w.ctx, path.Join(w.sink.deadLetterDir(w.batchTime), PartFile(w.topic, w.partition, w.firstChunk)))
	}
	if err := w.rejected.write(rejectedLines(rejected)); err != nil {
		return fmt.Errorf("sink: write dead letters %s: %w", w.rejected.path, err)
	}
	return nil
}

func (w *filePartitionWriter) Commit(ctx context.Context) error {
	if err := w.outputs.commit(); err != nil {
		if w.rejected != nil {
			w.rejected.abort()
		}
		return fmt.Errorf("sink: write %s: %w", w.outputs.path, err)
	}
	if w.rejected != nil {
		if err := w.rejected.commit(); err != nil {
			return fmt.Errorf("sink: write dead letters %s: %w", w.rejected.path, err)
		}
	}
	return nil
}

func (w *filePartitionWriter) Abort() {
	w.outputs.abort()
	if w.rejected != nil {
		w.rejected.abort()
	}
}
