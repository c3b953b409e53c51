package kafkatest

import (
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// CreateTopic creates topic with the given number of partitions.
func (b *Broker) CreateTopic(tb testing.TB, topic string, partitions int32) {
	tb.Helper()
	if err := b.cluster.CreateTopic(topic, partitions, nil); err != nil {
		tb.Fatalf("kafkatest: create topic %q with %d partitions: %v", topic, partitions, err)
	}
}

// AddPartitions grows topic to total partitions with a CreatePartitions
// request, as an operator's admin tool would.
func (b *Broker) AddPartitions(tb testing.TB, topic string, total int32) {
	tb.Helper()
	if err := b.Admin(tb).CreatePartitions(topic, total, nil, false); err != nil {
		tb.Fatalf("kafkatest: grow topic %q to %d partitions: %v", topic, total, err)
	}
	// The helpers' own client must see the new partitions before producing
	// to them.
	client := b.Client(tb)
	deadline := time.Now().Add(readTimeout)
	for {
		err := client.RefreshMetadata(topic)
		parts, perr := client.Partitions(topic)
		if err == nil && perr == nil && int32(len(parts)) == total {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("kafkatest: topic %q still has %d partitions, not %d (refresh: %v, %v)", topic, len(parts), total, err, perr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// DeleteRecords removes every record of the partition below offset, as
// retention would, raising its log start offset to offset.
func (b *Broker) DeleteRecords(tb testing.TB, topic string, partition int32, offset int64) {
	tb.Helper()
	if err := b.cluster.DeleteRecords(topic, partition, offset); err != nil {
		tb.Fatalf("kafkatest: delete records of %s-%d below %d: %v", topic, partition, offset, err)
	}
}

// Offsets returns the earliest available and the next-to-be-written offset of
// a partition.
func (b *Broker) Offsets(tb testing.TB, topic string, partition int32) (earliest, latest int64) {
	tb.Helper()
	client := b.Client(tb)
	if err := client.RefreshMetadata(topic); err != nil {
		tb.Fatalf("kafkatest: refresh metadata of %q: %v", topic, err)
	}
	earliest, err := client.GetOffset(topic, partition, sarama.OffsetOldest)
	if err != nil {
		tb.Fatalf("kafkatest: earliest offset of %s-%d: %v", topic, partition, err)
	}
	latest, err = client.GetOffset(topic, partition, sarama.OffsetNewest)
	if err != nil {
		tb.Fatalf("kafkatest: latest offset of %s-%d: %v", topic, partition, err)
	}
	return earliest, latest
}

// Admin returns a cluster admin on the cluster, as operators' tools use
// it (kafka-consumer-groups, kafka-topics), closed at test end.
func (b *Broker) Admin(tb testing.TB) sarama.ClusterAdmin {
	tb.Helper()
	cfg := b.SaramaConfig()
	// The admin finds the controller through a full metadata request.
	cfg.Metadata.Full = true
	admin, err := sarama.NewClusterAdmin(b.Addrs(), cfg)
	if err != nil {
		tb.Fatalf("kafkatest: new cluster admin: %v", err)
	}
	tb.Cleanup(func() { _ = admin.Close() })
	return admin
}
