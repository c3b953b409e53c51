package sink

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/IBM/sarama"
)

// Headers the Kafka sink puts on every message it writes, outputs and dead
// letters alike. Their values are decimal text, except the source topic's,
// which is the topic's name. Together they make the message's OutputID.
const (
	// HeaderBatchTime is the batch time, in Unix milliseconds.
	HeaderBatchTime = "spindle.batch.time.ms"
	// HeaderSourceTopic is the topic of the source partition the output
	// came from.
	HeaderSourceTopic = "spindle.source.topic"
	// HeaderSourcePartition is the source partition's number.
	HeaderSourcePartition = "spindle.source.partition"
	// HeaderIndex is the output's position among the outputs (or dead
	// letters) of its batch and source partition, from 0.
	HeaderIndex = "spindle.output.index"
	// HeaderCount is how many outputs (or dead letters) the batch wrote
	// for that source partition's chunk.
	HeaderCount = "spindle.output.count"
	// HeaderChunk is the position of the chunk of the source partition's
	// range the output came from, from 0. It is written only for chunks
	// after the first: a message without it belongs to chunk 0.
	HeaderChunk = "spindle.output.chunk"
)

// ErrBadOutputHeaders is wrapped by ParseOutputID's errors.
var ErrBadOutputHeaders = errors.New("sink: message has no valid Spindle output headers")

// OutputID identifies one output of a Spindle application in Kafka. A batch
// replayed after a failure reads the same offset ranges and writes the same
// outputs again, with the same OutputIDs: two messages with equal OutputIDs
// are the same output written twice, and a consumer keeps the first.
// OutputIDs are comparable, so they can be map keys.
type OutputID struct {
	// BatchTimeMs is the batch time in Unix milliseconds.
	BatchTimeMs int64
	// Topic and Partition are the source partition the output came from.
	Topic     string
	Partition int32
	// Chunk is the position of the chunk of the batch's range of the
	// source partition that the output came from. An executor reads,
	// processes and writes a range in chunks of a fixed number of offsets
	// (spindle.task.maxRecordsInFlight), recorded with the batch so that a
	// replay cuts the same chunks.
	Chunk int
	// Index is the output's position among the Count outputs of its
	// batch, source partition and chunk. Count is the same in every
	// message of a chunk, replays included: a consumer that holds Count
	// distinct indexes of a chunk has all of them.
	Index, Count int
}

// BatchTime is the batch time.
func (id OutputID) BatchTime() time.Time { return time.UnixMilli(id.BatchTimeMs).UTC() }

// String names the output, e.g. "batch 1700000000000 orders-3 output 5 of
// 10", with " chunk 2" after the partition for chunks after the first.
func (id OutputID) String() string {
	chunk := ""
	if id.Chunk > 0 {
		chunk = fmt.Sprintf(" chunk %d", id.Chunk)
	}
	return fmt.Sprintf("batch %d %s-%d%s output %d of %d", id.BatchTimeMs, id.Topic, id.Partition, chunk, id.Index, id.Count)
}

// Headers returns the message headers that carry id, in the order the
// Kafka sink writes them; HeaderChunk comes last, and only for a chunk
// after the first.
func (id OutputID) Headers() []sarama.RecordHeader {
	hs := []sarama.RecordHeader{
		{Key: []byte(HeaderBatchTime), Value: strconv.AppendInt(nil, id.BatchTimeMs, 10)},
		{Key: []byte(HeaderSourceTopic), Value: []byte(id.Topic)},
		{Key: []byte(HeaderSourcePartition), Value: strconv.AppendInt(nil, int64(id.Partition), 10)},
		{Key: []byte(HeaderIndex), Value: strconv.AppendInt(nil, int64(id.Index), 10)},
		{Key: []byte(HeaderCount), Value: strconv.AppendInt(nil, int64(id.Count), 10)},
	}
	if id.Chunk > 0 {
		hs = append(hs, sarama.RecordHeader{Key: []byte(HeaderChunk), Value: strconv.AppendInt(nil, int64(id.Chunk), 10)})
	}
	return hs
}

// ParseOutputID reads the OutputID from a message's headers, as sarama
// delivers them (ConsumerMessage.Headers). Headers other than Spindle's are
// ignored. The error, wrapping ErrBadOutputHeaders, names the header that is
// missing, repeated or malformed: such a message was not written by
// Spindle's Kafka sink, or was altered on the way.
func ParseOutputID(headers []*sarama.RecordHeader) (OutputID, error) {
	var vals [6][]byte
	var found [6]bool
	names := [6]string{HeaderBatchTime, HeaderSourceTopic, HeaderSourcePartition, HeaderIndex, HeaderCount, HeaderChunk}
	for _, h := range headers {
		if h == nil {
			continue
		}
		for i, name := range names {
			if string(h.Key) != name {
				continue
			}
			if found[i] {
				return OutputID{}, fmt.Errorf("%w: header %s appears more than once", ErrBadOutputHeaders, name)
			}
			vals[i], found[i] = h.Value, true
		}
	}
	for i, name := range names[:5] {
		if !found[i] {
			return OutputID{}, fmt.Errorf("%w: header %s is missing (was the message written by Spindle's Kafka sink?)", ErrBadOutputHeaders, name)
		}
	}
	var id OutputID
	var err error
	if id.BatchTimeMs, err = parseHeaderInt(HeaderBatchTime, vals[0], 1<<63-1); err != nil {
		return OutputID{}, err
	}
	id.Topic = string(vals[1])
	if id.Topic == "" {
		return OutputID{}, fmt.Errorf("%w: header %s is empty, want the source topic's name", ErrBadOutputHeaders, HeaderSourceTopic)
	}
	p, err := parseHeaderInt(HeaderSourcePartition, vals[2], 1<<31-1)
	if err != nil {
		return OutputID{}, err
	}
	id.Partition = int32(p)
	index, err := parseHeaderInt(HeaderIndex, vals[3], 1<<31-1)
	if err != nil {
		return OutputID{}, err
	}
	count, err := parseHeaderInt(HeaderCount, vals[4], 1<<31-1)
	if err != nil {
		return OutputID{}, err
	}
	if index >= count {
		return OutputID{}, fmt.Errorf("%w: %s %d is not below %s %d", ErrBadOutputHeaders, HeaderIndex, index, HeaderCount, count)
	}
	id.Index, id.Count = int(index), int(count)
	if found[5] {
		chunk, err := parseHeaderInt(HeaderChunk, vals[5], 1<<31-1)
		if err != nil {
			return OutputID{}, err
		}
		id.Chunk = int(chunk)
	}
	return id, nil
}

// parseHeaderInt reads a header's value as a decimal in [0, limit], written
// the way the sink writes it: digits only, no sign, no leading zero.
func parseHeaderInt(name string, v []byte, limit int64) (int64, error) {
	bad := func(why string) (int64, error) {
		return 0, fmt.Errorf("%w: header %s = %q: %s", ErrBadOutputHeaders, name, truncate(v, 40), why)
	}
	if len(v) == 0 {
		return bad("empty, want a non-negative decimal number")
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return bad("want a non-negative decimal number")
		}
	}
	if len(v) > 1 && v[0] == '0' {
		return bad("leading zero")
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || n > limit {
		return bad(fmt.Sprintf("out of range (at most %d)", limit))
	}
	return n, nil
}

// truncate shortens v for an error message.
func truncate(v []byte, n int) string {
	if len(v) <= n {
		return string(v)
	}
	return string(v[:n]) + "…"
}
