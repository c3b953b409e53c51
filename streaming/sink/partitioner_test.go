package sink

import (
	"context"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/sdk"
)

// TestMurmur2KafkaVectors: the hash equals Kafka's own test vectors
// (org.apache.kafka.common.utils.UtilsTest.testMurmur2) and those other
// ports check themselves against (Akka's Murmur2Spec).
func TestMurmur2KafkaVectors(t *testing.T) {
	for key, want := range map[string]int32{
		"21":                         -973932308,
		"foobar":                     -790332482,
		"a-little-bit-long-string":   -985981536,
		"a-little-bit-longer-string": -1486304829,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc":   479470107,
		"1":     -1993445489,
		"12":    126087238,
		"123":   -267702483,
		"1234":  -1614185708,
		"12345": -1188365604,
	} {
		if got := int32(murmur2([]byte(key))); got != want {
			t.Errorf("murmur2(%q) = %d, want %d", key, got, want)
		}
	}
}

// javaPlacements are the partitions Java's producer chooses for fixed
// keys among 3, 4, 7, 12 and 100 partitions. They were computed outside
// this code base, from Utils.murmur2 and Utils.toPositive as published in
// Kafka's Java client (transcribed with 32-bit wrap-around, and checked
// against the vectors of TestMurmur2KafkaVectors). For instance
// murmur2("foobar") = -790332482, toPositive gives -790332482 + 2^31 =
// 1357151166, and 1357151166 % 12 = 6.
var javaPlacements = []struct {
	key   string
	parts [5]int32 // among 3, 4, 7, 12, 100
}{
	{"", [5]int32{0, 1, 2, 9, 81}},
	{"a", [5]int32{1, 0, 5, 4, 24}},
	{"store-1", [5]int32{2, 0, 6, 8, 16}},
	{"store-2", [5]int32{2, 1, 1, 5, 1}},
	{"store-3", [5]int32{1, 1, 3, 1, 81}},
	{"store-17", [5]int32{1, 3, 5, 7, 95}},
	{"customer-42", [5]int32{0, 1, 1, 9, 53}},
	{"\x00\xff\x10\x80", [5]int32{0, 2, 4, 6, 58}},
	{"zürich", [5]int32{2, 0, 4, 8, 56}},
	{"21", [5]int32{0, 0, 3, 0, 40}},
	{"foobar", [5]int32{0, 2, 0, 6, 66}},
	{"a-little-bit-long-string", [5]int32{2, 0, 1, 8, 12}},
}

var placementCounts = [5]int32{3, 4, 7, 12, 100}

func TestJavaPartitionPlacement(t *testing.T) {
	for _, tc := range javaPlacements {
		for i, n := range placementCounts {
			if got := javaPartition([]byte(tc.key), n); got != tc.parts[i] {
				t.Errorf("key %q among %d partitions: %d, Java's producer chooses %d", tc.key, n, got, tc.parts[i])
			}
		}
	}
	// Kafka's own example elsewhere: "foobar" among 50 partitions is 16.
	if got := javaPartition([]byte("foobar"), 50); got != 16 {
		t.Errorf(`"foobar" among 50 partitions: %d, want 16`, got)
	}
}

// TestKafkaSinkPlacesKeysAsJava: outputs written through the sink land,
// by default, in the partition a Java producer would choose for their
// key; with spindle.sink.kafka.partitioner=fnv1a they land where sarama's
// hash partitioner puts them, as before murmur2 was the default.
func TestKafkaSinkPlacesKeysAsJava(t *testing.T) {
	const parts = 12
	b := kafkatest.Start(t, map[string]int32{"java": parts, "fnv": parts, "dl": 1})
	var outs []sdk.Output
	javaWant := map[string]int32{}
	for _, tc := range javaPlacements {
		outs = append(outs, sdk.Output{Key: []byte(tc.key), Value: []byte("v-" + tc.key)})
		javaWant[tc.key] = tc.parts[3]
	}
	write := func(topic, partitioner string) map[string]int32 {
		s, err := NewKafkaSink(context.Background(), KafkaConfig{Brokers: b.Addrs(), Topic: topic, DeadLetterTopic: "dl", Partitioner: partitioner, Transactional: TransactionalOff})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.WritePartition(context.Background(), time.UnixMilli(1_700_000_000_000), "src", 0, outs); err != nil {
			t.Fatal(err)
		}
		got := map[string]int32{}
		for _, m := range b.ReadAll(t, topic) {
			got[string(m.Key)] = m.Partition
		}
		if len(got) != len(outs) {
			t.Fatalf("%s: %d keys read back, want %d", topic, len(got), len(outs))
		}
		return got
	}
	for key, p := range write("java", "") {
		if p != javaWant[key] {
			t.Errorf("key %q in partition %d, a Java producer writes it to %d", key, p, javaWant[key])
		}
	}
	fnv := sarama.NewHashPartitioner("fnv")
	for key, p := range write("fnv", PartitionerFNV1a) {
		want, err := fnv.Partition(&sarama.ProducerMessage{Key: sarama.StringEncoder(key)}, parts)
		if err != nil {
			t.Fatal(err)
		}
		if p != want {
			t.Errorf("fnv1a: key %q in partition %d, sarama's hash partitioner chooses %d", key, p, want)
		}
	}
}

func TestPartitionerKeylessBySource(t *testing.T) {
	place, err := partitionerFor(PartitionerMurmur2)
	if err != nil {
		t.Fatal(err)
	}
	p := place("out")
	seen := map[int32]bool{}
	for i := range 20 {
		m := &sarama.ProducerMessage{Metadata: OutputID{BatchTimeMs: int64(i), Topic: "orders", Partition: 3, Index: i, Count: 20}}
		got, err := p.Partition(m, 8)
		if err != nil {
			t.Fatal(err)
		}
		seen[got] = true
	}
	if len(seen) != 1 {
		t.Fatalf("keyless outputs of one source partition went to %v, want one partition", seen)
	}
	if _, err := partitionerFor("java"); err == nil {
		t.Fatal(`partitioner "java" accepted`)
	}
}
