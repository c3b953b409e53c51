package sdk

import "time"

// Record is one input record, as read from a Kafka-style source. Its Key
// and Value (and its headers' values) are valid only during the call that
// carries the record: in a job plugin they are memory shared with the
// executor, which holds the next call's records afterwards. A job that
// keeps them past the call copies them.
type Record struct {
	// Topic is the topic the record was read from.
	Topic string
	// Partition is the topic partition the record was read from.
	Partition int32
	// Offset is the record's offset within its partition.
	Offset int64
	// Key is the record's key; nil when the record has none, which is not
	// the same as an empty key.
	Key []byte
	// Value is the record's value; nil for a tombstone.
	Value []byte
	// Timestamp is the record's time; zero when it has none. The job sees
	// it in UTC.
	Timestamp time.Time
	// Headers are the record's headers in their original order. A slice
	// rather than a map because header keys may repeat.
	Headers []Header
}

// Header is one record header.
type Header struct {
	// Key is the header's name.
	Key string
	// Value is the header's value; nil when the header has no value.
	Value []byte
}

// Header returns the value of the last header named key, as Kafka clients
// do for a repeated header, and whether there is one.
func (r Record) Header(key string) ([]byte, bool) {
	for i := len(r.Headers) - 1; i >= 0; i-- {
		if r.Headers[i].Key == key {
			return r.Headers[i].Value, true
		}
	}
	return nil, false
}

// PartitionInfo identifies one partition of one micro-batch.
type PartitionInfo struct {
	// BatchTime is the micro-batch's time, the same for every partition of
	// the batch and stable across retries of it.
	BatchTime time.Time
	// Topic is the partition's topic.
	Topic string
	// Partition is the partition's number within Topic.
	Partition int32
}

// Partition is the input of one ProcessPartition call: all the records of
// one partition for one micro-batch.
type Partition struct {
	PartitionInfo
	// Records are the partition's records for the batch, in offset order.
	Records []Record
}

// Output is one item the job hands to the sink.
type Output struct {
	// Key is the output's key, such as a Kafka message key; may be nil.
	Key []byte
	// Value is the output's payload, such as a Kafka message or a line of a
	// file.
	Value []byte
	// Destination is a sink-specific target such as a topic or a file
	// name; empty means the sink's default.
	Destination string
}

// KeyValue is one key's partial aggregate or reduced value.
type KeyValue struct {
	// Key is the aggregation key.
	Key string
	// Value is the job-encoded aggregate.
	Value []byte
}

// KeyValues is one key with the partial aggregates to reduce.
type KeyValues struct {
	// Key is the aggregation key.
	Key string
	// Values are the partial aggregates, reduced left to right.
	Values [][]byte
}

// StateInput is one key's input to UpdateState.
type StateInput struct {
	// Key is the state key.
	Key string
	// Values are the key's aggregates from the current batch; empty when
	// the key had none, so that the job can expire idle keys.
	Values [][]byte
	// Old is the key's state from the previous batch; nil when the key has
	// no state yet. A state that exists but is empty is a non-nil empty
	// slice.
	Old []byte
}

// StateOutput is one key's result of UpdateState.
type StateOutput struct {
	// Key is the state key.
	Key string
	// State is the key's new state; never nil when Keep is true.
	State []byte
	// Keep false removes the key's state.
	Keep bool
}
