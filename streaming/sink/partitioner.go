package sink

import (
	"fmt"
	"hash/fnv"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/conf"
)

// partitionerFor returns the sarama partitioner constructor for name, one
// of the Partitioner* values ("" is murmur2).
func partitionerFor(name string) (sarama.PartitionerConstructor, error) {
	switch name {
	case "", PartitionerMurmur2:
		return func(string) sarama.Partitioner { return outputPartitioner{byKey: javaPartition} }, nil
	case PartitionerFNV1a:
		return func(topic string) sarama.Partitioner {
			fnvp := sarama.NewHashPartitioner(topic)
			return outputPartitioner{byKey: func(key []byte, n int32) int32 {
				// sarama's hash partitioner reads only the key.
				p, _ := fnvp.Partition(&sarama.ProducerMessage{Key: sarama.ByteEncoder(key)}, n)
				return p
			}}
		}, nil
	}
	return nil, fmt.Errorf("%w: %s=%q: must be %s or %s", ErrInvalidConfig, conf.KeySinkKafkaPartitioner, name, PartitionerMurmur2, PartitionerFNV1a)
}

// outputPartitioner places a message with a key by its key, so that all
// outputs with a key land together. A message without a key goes by its
// source partition instead of at random: a replay then lands where the
// first write did, and the keyless outputs of a source partition stay in
// order.
type outputPartitioner struct {
	byKey func(key []byte, n int32) int32
}

// Partition chooses m's partition among n.
func (p outputPartitioner) Partition(m *sarama.ProducerMessage, n int32) (int32, error) {
	if m.Key != nil {
		key, err := m.Key.Encode()
		if err != nil {
			return -1, err
		}
		return p.byKey(key, n), nil
	}
	id, ok := m.Metadata.(OutputID)
	if !ok {
		return p.byKey(nil, n), nil
	}
	h := fnv.New32a()
	h.Write([]byte(id.Topic))
	h.Write([]byte{byte(id.Partition >> 24), byte(id.Partition >> 16), byte(id.Partition >> 8), byte(id.Partition)})
	return int32(h.Sum32() % uint32(n)), nil
}

// RequiresConsistency is true: the same key must always reach the same
// partition.
func (p outputPartitioner) RequiresConsistency() bool { return true }

// javaPartition is the partition Java's Kafka producer chooses for a
// keyed record among n: Utils.toPositive(Utils.murmur2(key)) % n.
func javaPartition(key []byte, n int32) int32 {
	return int32(murmur2(key)&0x7fffffff) % n
}

// murmur2 is the 32-bit MurmurHash2 variant of Kafka's Java client
// (org.apache.kafka.common.utils.Utils.murmur2): seed 0x9747b28c, the
// key read in little-endian 4-byte words, the tail folded in as Java's
// fall-through switch does.
func murmur2(data []byte) uint32 {
	const (
		seed = 0x9747b28c
		m    = 0x5bd1e995
		r    = 24
	)
	n := len(data)
	h := uint32(seed) ^ uint32(n)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := data[n&^3:]
	switch len(tail) {
	case 3:
		h ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(tail[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}
