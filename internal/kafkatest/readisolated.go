package kafkatest

import (
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// SentinelHeader marks the records ReadCommitted and ReadUncommitted write
// to find the end of a partition; they leave such records out of what they
// return, and other readers of the topic should skip them.
const SentinelHeader = "kafkatest.sentinel"

// ReadCommitted returns every record of topic that a consumer with
// isolation.level=read_committed delivers, partition by partition, each in
// offset order. See readIsolated.
func (b *Broker) ReadCommitted(tb testing.TB, topic string) []Message {
	tb.Helper()
	return b.readIsolated(tb, topic, sarama.ReadCommitted)
}

// ReadUncommitted returns every record of topic that a consumer with
// isolation.level=read_uncommitted (Kafka's default) delivers, records of
// open and aborted transactions included.
func (b *Broker) ReadUncommitted(tb testing.TB, topic string) []Message {
	tb.Helper()
	return b.readIsolated(tb, topic, sarama.ReadUncommitted)
}

// readIsolated reads every partition of topic with a sarama consumer at
// the isolation level. The last offsets of a topic that transactions
// wrote are commit or abort markers, which no consumer delivers, and a
// read_committed consumer stops before an open transaction: so it first
// writes a sentinel record at the end of each partition, outside any
// transaction, and reads up to it. A transaction left open before the
// sentinel fails the read once readTimeout passes.
func (b *Broker) readIsolated(tb testing.TB, topic string, level sarama.IsolationLevel) []Message {
	tb.Helper()
	parts := b.partitions(tb, topic)
	var token [8]byte
	rand.Read(token[:])
	mark := []byte(hex.EncodeToString(token[:]))
	for _, p := range parts {
		b.ProduceMessages(tb, &sarama.ProducerMessage{Topic: topic, Partition: p,
			Headers: []sarama.RecordHeader{{Key: []byte(SentinelHeader), Value: mark}}})
	}
	cfg := b.SaramaConfig()
	cfg.Consumer.IsolationLevel = level
	cfg.Consumer.MaxWaitTime = 50 * time.Millisecond
	consumer, err := sarama.NewConsumer(b.Addrs(), cfg)
	if err != nil {
		tb.Fatalf("kafkatest: new consumer: %v", err)
	}
	defer consumer.Close()
	var out []Message
	for _, p := range parts {
		out = append(out, readToSentinel(tb, consumer, topic, p, mark)...)
	}
	return out
}

// readToSentinel consumes one partition from its start until the record
// carrying mark, returning the records before it that are not sentinels.
func readToSentinel(tb testing.TB, consumer sarama.Consumer, topic string, partition int32, mark []byte) []Message {
	tb.Helper()
	pc, err := consumer.ConsumePartition(topic, partition, sarama.OffsetOldest)
	if err != nil {
		tb.Fatalf("kafkatest: consume %s-%d: %v", topic, partition, err)
	}
	defer pc.Close()
	var out []Message
	deadline := time.NewTimer(readTimeout)
	defer deadline.Stop()
	for {
		select {
		case m := <-pc.Messages():
			msg := toMessage(m)
			if s, ok := msg.Headers[SentinelHeader]; ok {
				if string(s) == string(mark) {
					return out
				}
				continue
			}
			out = append(out, msg)
		case err := <-pc.Errors():
			tb.Fatalf("kafkatest: read %s-%d: %v", topic, partition, err)
		case <-deadline.C:
			tb.Fatalf("kafkatest: read %s-%d: the end of the partition not reached within %v (%d records read; a transaction left open?)",
				topic, partition, readTimeout, len(out))
		}
	}
}
