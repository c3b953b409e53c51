package kafkatest

import (
	"testing"

	"github.com/IBM/sarama"
)

// produceBatch bounds how many messages go into one SendMessages call, so a
// large Produce does not build one huge request.
const produceBatch = 1000

// Produce writes n records to one partition, the i-th with the key and value
// gen(i) returns, and waits until all are acknowledged by the broker.
func (b *Broker) Produce(tb testing.TB, topic string, partition int32, n int, gen func(i int) (key, value []byte)) {
	tb.Helper()
	msgs := make([]*sarama.ProducerMessage, 0, min(n, produceBatch))
	for i := range n {
		k, v := gen(i)
		m := &sarama.ProducerMessage{Topic: topic, Partition: partition}
		if k != nil {
			m.Key = sarama.ByteEncoder(k)
		}
		if v != nil {
			m.Value = sarama.ByteEncoder(v)
		}
		msgs = append(msgs, m)
		if len(msgs) == produceBatch {
			b.ProduceMessages(tb, msgs...)
			msgs = msgs[:0]
		}
	}
	if len(msgs) > 0 {
		b.ProduceMessages(tb, msgs...)
	}
}

// ProduceMessages writes msgs as they are (topic, partition, key, value,
// headers, timestamp) and waits until all are acknowledged.
func (b *Broker) ProduceMessages(tb testing.TB, msgs ...*sarama.ProducerMessage) {
	tb.Helper()
	if err := b.syncProducer(tb).SendMessages(msgs); err != nil {
		tb.Fatalf("kafkatest: produce %d messages: %v", len(msgs), err)
	}
}
