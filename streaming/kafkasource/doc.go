// Package kafkasource is the direct Kafka source of the streaming engine:
// the driver plans each micro-batch as one offset range per partition, and
// executors read exactly those ranges.
//
// This follows Spark Streaming's direct approach (DirectKafkaInputDStream
// and KafkaRDD). The Planner asks the brokers for the earliest and latest
// offset of every partition of the subscribed topics, starts new partitions
// according to auto.offset.reset, recovers offsets that retention already
// deleted, and caps each range by spark.streaming.kafka.maxRatePerPartition
// and by the backpressure rate, split across partitions in proportion to
// their lag, with spark.streaming.kafka.minRatePerPartition as a floor.
// The Reader fetches one range, [From, Until), with a sarama partition
// consumer.
//
// The GroupCommitter commits each batch's offsets to the application's
// consumer group for monitors, as the group's one static member: the
// driver, holding every partition.
//
// Client settings come from spindle.kafka.* keys (see ConfigFromApp), with
// librdkafka's names or, for security, the Java client's names that Spark
// jobs use (javakeys.go), or from a sarama.Config passed through as is.
package kafkasource
