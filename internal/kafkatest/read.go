package kafkatest

import (
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// readTimeout bounds how long a read-back waits for records the broker
// reported as written.
const readTimeout = 20 * time.Second

// Message is one record read back from the cluster.
type Message struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Headers   map[string][]byte
	Timestamp time.Time
}

// ReadPartition returns every record of a partition from its earliest to its
// latest offset at the time of the call, in offset order.
func (b *Broker) ReadPartition(tb testing.TB, topic string, partition int32) []Message {
	tb.Helper()
	earliest, latest := b.Offsets(tb, topic, partition)
	if earliest >= latest {
		return nil
	}
	consumer, err := sarama.NewConsumerFromClient(b.Client(tb))
	if err != nil {
		tb.Fatalf("kafkatest: new consumer: %v", err)
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(topic, partition, earliest)
	if err != nil {
		tb.Fatalf("kafkatest: consume %s-%d from %d: %v", topic, partition, earliest, err)
	}
	defer pc.Close()

	var out []Message
	deadline := time.NewTimer(readTimeout)
	defer deadline.Stop()
	for {
		select {
		case m := <-pc.Messages():
			out = append(out, toMessage(m))
			if m.Offset >= latest-1 {
				return out
			}
		case err := <-pc.Errors():
			tb.Fatalf("kafkatest: read %s-%d: %v", topic, partition, err)
		case <-deadline.C:
			tb.Fatalf("kafkatest: read %s-%d: got %d records of offsets [%d, %d) within %v",
				topic, partition, len(out), earliest, latest, readTimeout)
		}
	}
}

// ReadAll returns every record of every partition of topic, partition by
// partition, each in offset order.
func (b *Broker) ReadAll(tb testing.TB, topic string) []Message {
	tb.Helper()
	var out []Message
	for _, p := range b.partitions(tb, topic) {
		out = append(out, b.ReadPartition(tb, topic, p)...)
	}
	return out
}

// partitions lists topic's partitions in order, as the brokers know them
// now.
func (b *Broker) partitions(tb testing.TB, topic string) []int32 {
	tb.Helper()
	client := b.Client(tb)
	if err := client.RefreshMetadata(topic); err != nil {
		tb.Fatalf("kafkatest: refresh metadata of %q: %v", topic, err)
	}
	parts, err := client.Partitions(topic)
	if err != nil {
		tb.Fatalf("kafkatest: partitions of %q: %v", topic, err)
	}
	parts = slices.Clone(parts)
	slices.Sort(parts)
	return parts
}

func toMessage(m *sarama.ConsumerMessage) Message {
	out := Message{
		Topic:     m.Topic,
		Partition: m.Partition,
		Offset:    m.Offset,
		Key:       m.Key,
		Value:     m.Value,
		Timestamp: m.Timestamp,
	}
	if len(m.Headers) > 0 {
		out.Headers = make(map[string][]byte, len(m.Headers))
		for _, h := range m.Headers {
			out.Headers[string(h.Key)] = h.Value
		}
	}
	return out
}
