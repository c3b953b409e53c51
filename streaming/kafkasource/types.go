package kafkasource

import (
	"fmt"
	"time"
)

// TopicPartition names one partition of a topic.
type TopicPartition struct {
	// Topic is the topic name.
	Topic string
	// Partition is the partition number.
	Partition int32
}

// String formats as Kafka does, topic-partition.
func (tp TopicPartition) String() string { return fmt.Sprintf("%s-%d", tp.Topic, tp.Partition) }

// OffsetRange is the records of one partition a batch processes: offsets
// From (inclusive) to Until (exclusive).
type OffsetRange struct {
	// Topic is the topic name.
	Topic string
	// Partition is the partition number.
	Partition int32
	// From is the first offset of the range.
	From int64
	// Until is one past the last offset of the range.
	Until int64
}

// TopicPartition returns the partition the range belongs to.
func (r OffsetRange) TopicPartition() TopicPartition {
	return TopicPartition{Topic: r.Topic, Partition: r.Partition}
}

// Count returns the number of offsets in the range.
func (r OffsetRange) Count() int64 { return r.Until - r.From }

// String formats the range for logs and errors.
func (r OffsetRange) String() string {
	return fmt.Sprintf("%s-%d [%d, %d)", r.Topic, r.Partition, r.From, r.Until)
}

func (r OffsetRange) validate() error {
	if r.From < 0 || r.Until < r.From {
		return fmt.Errorf("%w: %s", ErrInvalidRange, r)
	}
	return nil
}

// Header is one record header.
type Header struct {
	// Key is the header name.
	Key []byte
	// Value is the header value.
	Value []byte
}

// Record is one Kafka record read from a range.
type Record struct {
	// Topic is the topic the record was read from.
	Topic string
	// Partition is the partition the record was read from.
	Partition int32
	// Offset is the record's offset in the partition.
	Offset int64
	// Key is the record key; nil when the record has none.
	Key []byte
	// Value is the record value; nil for a tombstone.
	Value []byte
	// Timestamp is the record's (or, with LogAppendTime, the broker's)
	// timestamp.
	Timestamp time.Time
	// Headers are the record headers in the order they were written.
	Headers []Header
}
