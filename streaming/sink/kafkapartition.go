package sink

import (
	"context"
	"time"

	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
)

// OpenPartition returns a writer, without transactions, that sends each
// chunk's messages and waits for their acknowledgement before the next
// chunk; Commit has nothing left to do. Each message's OutputID names its
// chunk (numbered across the partition's tasks, so firstChunk needs no
// more), so that the copies a replay writes match the first ones. A
// transactional sink needs the task's range: see OpenRange.
func (s *KafkaSink) OpenPartition(_ context.Context, batchTime time.Time, topic string, partition int32, _ int) (PartitionWriter, error) {
	if err := s.refuseOutsideTransaction(); err != nil {
		return nil, err
	}
	return &kafkaPartitionWriter{sink: s, batchTime: batchTime, topic: topic, partition: partition}, nil
}

// OpenRange opens the writer of one task, whose range of its source
// partition is rng and whose first chunk is firstChunk. With transactions
// the task's messages go into one Kafka transaction, committed by Commit
// together with the record of the task in the sink's consumer group;
// opening it fences the earlier writers of the same part of the partition,
// and when an earlier attempt's transaction of this task had committed,
// the writer writes nothing (see KafkaSink). Without transactions it is
// OpenPartition's writer.
func (s *KafkaSink) OpenRange(ctx context.Context, batchTime time.Time, rng kafkasource.OffsetRange, firstChunk int) (PartitionWriter, error) {
	if s.txn == nil {
		return s.OpenPartition(ctx, batchTime, rng.Topic, rng.Partition, firstChunk)
	}
	return s.beginTransaction(ctx, batchTime, rng, firstChunk)
}

// kafkaPartitionWriter is KafkaSink's PartitionWriter without
// transactions.
type kafkaPartitionWriter struct {
	sink      *KafkaSink
	batchTime time.Time
	topic     string
	partition int32
}

func (w *kafkaPartitionWriter) WriteOutputs(ctx context.Context, chunk int, outputs []sdk.Output) error {
	return w.sink.writeOutputs(ctx, w.batchTime, w.topic, w.partition, chunk, outputs)
}

func (w *kafkaPartitionWriter) WriteRejected(ctx context.Context, chunk int, rejected []sdk.Rejected) error {
	return w.sink.writeRejected(ctx, w.batchTime, w.topic, w.partition, chunk, rejected)
}

func (w *kafkaPartitionWriter) Commit(context.Context) error { return nil }

// Abort does nothing: acknowledged messages stay, and their OutputIDs make
// a replay's copies recognisable.
func (w *kafkaPartitionWriter) Abort() {}
