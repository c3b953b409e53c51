// Package sink writes a job's outputs where they must land exactly once.
//
// The application chooses its sink with spindle.sink.kind (ConfigFromConf).
// FileSink, the default, writes each batch and partition to its own file,
// written to a temporary file and renamed into place on a checkpoint store,
// so a replayed batch writes the same outputs to the same place. Rejected
// records go to a dead-letter file beside them, with the reason each was
// rejected.
//
// KafkaSink writes each output as a message to a Kafka topic, keyed
// messages placed as Java's producer places them (murmur2), and each
// rejected record to a dead-letter topic. Where the brokers support
// transactions it commits each task's messages in one Kafka transaction
// under its source partition's transactional id, with a record of the
// batch in the sink's consumer group (a batchMarker): a task fences the
// partition's earlier producers, and a replayed task whose transaction had
// committed writes nothing, so read_committed consumers read every output
// once. Without transactions it writes with the idempotent producer and a
// replay writes its outputs again. Either way every message carries
// headers naming its batch, source partition and position (its OutputID),
// equal for the copies of the same output, and a consumer that reads
// uncommitted messages keeps the first of each with a Deduplicator.
package sink
