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
// Kafka sink sends and acknowledges each chunk's messages, naming the chunk
// in their OutputID.
//
// KafkaSink writes each output as a message to a Kafka topic with sarama's
// idempotent producer, and each rejected record to a dead-letter topic. A
// batch's writes are acknowledged before the batch commits. A batch replayed
// after a failure writes its outputs again, so a topic may hold an output
// more than once; every message carries headers naming its batch, source
// partition, chunk and position (its OutputID), equal for the copies of the same
// output, and a consumer keeps the first of each with a Deduplicator.
package sink
