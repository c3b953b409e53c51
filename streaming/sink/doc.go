// Package sink writes a job's outputs where they must land exactly once.
//
// The application chooses its sink with spindle.sink.kind (ConfigFromApp).
// FileSink, the default, writes each batch and partition to its own file,
// written to a temporary file and renamed into place on a checkpoint store,
// so a replayed batch writes the same outputs to the same place. Rejected
// records go to a dead-letter file beside them, with the reason each was
// rejected.
//
// Executors write a task's range chunk by chunk, while the next chunk is
// read and processed, through a PartitionWriter: the file sink streams the
// chunks into the partition's temporary file and renames it on Commit; the
// Kafka sink sends each chunk's messages, naming the chunk in their
// OutputID, and commits the task's transaction on Commit.
//
// KafkaSink writes each output as a message to a Kafka topic, keyed
// messages placed as Java's producer places them (murmur2), and each
// rejected record to a dead-letter topic. Where the brokers support
// transactions it commits each task's messages in one Kafka transaction
// under the transactional id of its source partition (and part, when the
// driver split the partition's range), with a record of the task in the
// sink's consumer group (a batchMarker): a task fences the earlier
// producers of its id, and a replayed task whose transaction had committed
// writes nothing, so read_committed consumers read every output once.
// Without transactions it writes with the idempotent producer and a replay
// writes its outputs again. Either way every message carries headers
// naming its batch, source partition, chunk and position (its OutputID),
// equal for the copies of the same output, and a consumer that reads
// uncommitted messages keeps the first of each with a Deduplicator.
package sink
