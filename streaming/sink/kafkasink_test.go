package sink

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/sdk"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// newKafkaSink starts a sink without transactions on b writing to out and
// out-deadletter.
func newKafkaSink(t *testing.T, b *kafkatest.Broker, base *sarama.Config) *KafkaSink {
	t.Helper()
	return startSink(t, KafkaConfig{Brokers: b.Addrs(), Topic: "out", DeadLetterTopic: "out-deadletter", ClientConfig: base, Transactional: TransactionalOff})
}

// startSink starts a sink with cfg, closed at the test's end.
func startSink(t *testing.T, cfg KafkaConfig) *KafkaSink {
	t.Helper()
	s, err := NewKafkaSink(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// outputs makes n outputs; every third has no key.
func outputs(n int, tag string) []sdk.Output {
	out := make([]sdk.Output, n)
	for i := range out {
		out[i].Value = fmt.Appendf(nil, "%s-value-%d", tag, i)
		if i%3 != 2 {
			out[i].Key = fmt.Appendf(nil, "%s-key-%d", tag, i)
		}
	}
	return out
}

// headerSlice turns a read message's headers into sarama's form.
func headerSlice(h map[string][]byte) []*sarama.RecordHeader {
	out := make([]*sarama.RecordHeader, 0, len(h))
	for k, v := range h {
		out = append(out, &sarama.RecordHeader{Key: []byte(k), Value: v})
	}
	return out
}

// byID reads topic and groups its messages by OutputID; every message must
// have one.
func byID(t *testing.T, b *kafkatest.Broker, topic string) map[OutputID][]kafkatest.Message {
	t.Helper()
	out := map[OutputID][]kafkatest.Message{}
	for _, m := range b.ReadAll(t, topic) {
		id, err := ParseOutputID(headerSlice(m.Headers))
		if err != nil {
			t.Fatalf("message at %s-%d offset %d: %v", m.Topic, m.Partition, m.Offset, err)
		}
		out[id] = append(out[id], m)
	}
	return out
}

func TestKafkaSinkWritesOutputsWithHeaders(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"out": 3, "out-deadletter": 1})
	s := newKafkaSink(t, b, b.SaramaConfig())
	batch := time.UnixMilli(1_700_000_000_000)
	ctx := context.Background()
	a, c := outputs(7, "a"), outputs(4, "c")
	if err := s.WritePartition(ctx, batch, "orders", 2, a); err != nil {
		t.Fatal(err)
	}
	if err := s.WritePartition(ctx, batch, "orders", 5, c); err != nil {
		t.Fatal(err)
	}
	if err := s.WritePartition(ctx, batch, "orders", 6, nil); err != nil {
		t.Fatalf("no outputs: %v", err)
	}
	got := byID(t, b, "out")
	if len(got) != len(a)+len(c) {
		t.Fatalf("%d outputs in the topic, want %d", len(got), len(a)+len(c))
	}
	for _, tc := range []struct {
		partition int32
		outs      []sdk.Output
	}{{2, a}, {5, c}} {
		keyless := map[int32]bool{}
		for i, o := range tc.outs {
			id := OutputID{BatchTimeMs: batch.UnixMilli(), Topic: "orders", Partition: tc.partition, Index: i, Count: len(tc.outs)}
			ms := got[id]
			if len(ms) != 1 {
				t.Fatalf("%v: %d messages, want 1", id, len(ms))
			}
			if string(ms[0].Key) != string(o.Key) || (ms[0].Key == nil) != (o.Key == nil) || string(ms[0].Value) != string(o.Value) {
				t.Fatalf("%v: key %q value %q, want key %q value %q", id, ms[0].Key, ms[0].Value, o.Key, o.Value)
			}
			if o.Key == nil {
				keyless[ms[0].Partition] = true
			}
		}
		if len(keyless) != 1 {
			t.Fatalf("keyless outputs of orders-%d landed in partitions %v, want one", tc.partition, keyless)
		}
	}
	if n := len(b.ReadAll(t, "out-deadletter")); n != 0 {
		t.Fatalf("%d dead letters, want none", n)
	}
}

func TestKafkaSinkReplayWritesSameOutputIDs(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"out": 4, "out-deadletter": 1})
	batch := time.UnixMilli(1_700_000_000_300)
	outs := outputs(20, "r")
	// The first attempt's executor, then the replay's, each with its own
	// producer.
	for range 2 {
		s := newKafkaSink(t, b, nil)
		if err := s.WritePartition(context.Background(), batch, "orders", 1, outs); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	got := map[OutputID][]kafkatest.Message{}
	var d Deduplicator
	var kept []string
	for _, m := range b.ReadAll(t, "out") {
		id, err := ParseOutputID(headerSlice(m.Headers))
		if err != nil {
			t.Fatal(err)
		}
		got[id] = append(got[id], m)
		if d.First(id) {
			kept = append(kept, string(m.Value))
		}
	}
	if len(got) != len(outs) {
		t.Fatalf("%d distinct OutputIDs, want %d", len(got), len(outs))
	}
	for id, ms := range got {
		if len(ms) != 2 {
			t.Fatalf("%v: %d messages, want 2 (write and replay)", id, len(ms))
		}
		if string(ms[0].Key) != string(ms[1].Key) || string(ms[0].Value) != string(ms[1].Value) || ms[0].Partition != ms[1].Partition {
			t.Fatalf("%v: the replay differs: %+v vs %+v", id, ms[0], ms[1])
		}
	}
	if d.Duplicates() != int64(len(outs)) || len(kept) != len(outs) {
		t.Fatalf("deduplicated: kept %d, %d duplicates; want %d and %d", len(kept), d.Duplicates(), len(outs), len(outs))
	}
	slices.Sort(kept)
	var want []string
	for _, o := range outs {
		want = append(want, string(o.Value))
	}
	slices.Sort(want)
	if !slices.Equal(kept, want) {
		t.Fatalf("kept %q, want %q", kept, want)
	}
}

func TestProducerConfigIsIdempotent(t *testing.T) {
	base := sarama.NewConfig()
	base.ClientID = "mine"
	base.Producer.RequiredAcks = sarama.WaitForLocal
	base.Producer.Retry.Max = 0
	base.Net.MaxOpenRequests = 5
	base.Metadata.AllowAutoTopicCreation = true
	for name, in := range map[string]*sarama.Config{"nil": nil, "base": base} {
		t.Run(name, func(t *testing.T) {
			sc, err := ProducerConfig(in, "")
			if err != nil {
				t.Fatal(err)
			}
			if !sc.Producer.Idempotent || sc.Producer.RequiredAcks != sarama.WaitForAll || sc.Net.MaxOpenRequests != 1 ||
				sc.Producer.Retry.Max < DefaultProducerRetries || !sc.Producer.Return.Successes || sc.Metadata.AllowAutoTopicCreation {
				t.Fatalf("producer config: idempotent %v acks %v max open requests %d retries %d successes %v auto-create %v",
					sc.Producer.Idempotent, sc.Producer.RequiredAcks, sc.Net.MaxOpenRequests, sc.Producer.Retry.Max,
					sc.Producer.Return.Successes, sc.Metadata.AllowAutoTopicCreation)
			}
			if err := sc.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
	if sc, _ := ProducerConfig(base, ""); sc.ClientID != "mine" {
		t.Fatalf("client id %q, want the base's", sc.ClientID)
	}
	if base.Producer.Idempotent || base.Net.MaxOpenRequests != 5 || base.Producer.Retry.Max != 0 {
		t.Fatal("ProducerConfig changed its base")
	}
}

// TestKafkaSinkProducesIdempotently checks on the wire: the producer asks
// for a producer id, and every record batch it sends carries one.
func TestKafkaSinkProducesIdempotently(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"out": 2, "out-deadletter": 1})
	var (
		mu        sync.Mutex
		initPIDs  int
		batches   int
		noPIDSeen []string
	)
	b.Cluster().ControlKey(int16(kmsg.InitProducerID), func(kmsg.Request) (kmsg.Response, error, bool) {
		mu.Lock()
		defer mu.Unlock()
		initPIDs++
		return nil, nil, false
	})
	b.Cluster().ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		mu.Lock()
		defer mu.Unlock()
		for _, tp := range r.(*kmsg.ProduceRequest).Topics {
			for _, p := range tp.Partitions {
				batches++
				// A record batch's producer id is the int64 at byte 43.
				if len(p.Records) < 51 || int64(binary.BigEndian.Uint64(p.Records[43:51])) < 0 {
					noPIDSeen = append(noPIDSeen, fmt.Sprintf("%s-%d", tp.Topic, p.Partition))
				}
			}
		}
		return nil, nil, false
	})
	s := newKafkaSink(t, b, nil)
	if err := s.WritePartition(context.Background(), time.UnixMilli(1), "orders", 0, outputs(50, "i")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if initPIDs == 0 || batches == 0 || len(noPIDSeen) > 0 {
		t.Fatalf("%d InitProducerID requests, %d record batches, batches without a producer id: %v", initPIDs, batches, noPIDSeen)
	}
}

func TestKafkaSinkMissingTopic(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"out": 1, "dlq": 1})
	for _, tc := range []struct{ topic, dead, missing string }{
		{"nope", "dlq", "nope"},
		{"out", "out-deadletter", "out-deadletter"},
	} {
		_, err := NewKafkaSink(context.Background(), KafkaConfig{Brokers: b.Addrs(), Topic: tc.topic, DeadLetterTopic: tc.dead})
		if !errors.Is(err, ErrTopicNotFound) || !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.missing)) || !strings.Contains(err.Error(), "create it") {
			t.Fatalf("topics %s, %s: err %v; want one naming %q and saying to create it", tc.topic, tc.dead, err, tc.missing)
		}
	}
	// The topic is not created by asking for it.
	client := b.Client(t)
	if err := client.RefreshMetadata(); err != nil {
		t.Fatal(err)
	}
	topics, err := client.Topics()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(topics, "nope") || slices.Contains(topics, "out-deadletter") {
		t.Fatalf("topics %v: the sink created a topic", topics)
	}
}

func TestKafkaSinkDeadLetters(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"out": 1, "out-deadletter": 2})
	s := newKafkaSink(t, b, nil)
	batch := time.UnixMilli(1_700_000_000_600)
	rejected := []sdk.Rejected{
		{Record: sdk.Record{Topic: "orders", Partition: 3, Offset: 10, Key: []byte("k1"), Value: []byte("{bad")}, Stage: sdk.StageParse, Reason: "not JSON"},
		{Record: sdk.Record{Topic: "orders", Partition: 3, Offset: 12, Value: []byte(`{"store":"s-99"}`)}, Stage: sdk.StageEnrich, Reason: "unknown store"},
	}
	if err := s.WriteRejected(context.Background(), batch, "orders", 3, rejected); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteRejected(context.Background(), batch, "orders", 4, nil); err != nil {
		t.Fatal(err)
	}
	got := byID(t, b, "out-deadletter")
	if len(got) != len(rejected) {
		t.Fatalf("%d dead letters, want %d", len(got), len(rejected))
	}
	for i, r := range rejected {
		id := OutputID{BatchTimeMs: batch.UnixMilli(), Topic: "orders", Partition: 3, Index: i, Count: len(rejected)}
		if len(got[id]) != 1 {
			t.Fatalf("%v: %d dead letters, want 1", id, len(got[id]))
		}
		var line rejectedLine
		if err := json.Unmarshal(got[id][0].Value, &line); err != nil {
			t.Fatalf("%v: %q: %v", id, got[id][0].Value, err)
		}
		want := rejectedLine{Topic: "orders", Partition: 3, Offset: r.Record.Offset, Stage: fmt.Sprint(r.Stage), Reason: r.Reason, Key: r.Record.Key, Value: r.Record.Value}
		if fmt.Sprintf("%+v", line) != fmt.Sprintf("%+v", want) {
			t.Fatalf("%v: dead letter %+v, want %+v", id, line, want)
		}
	}
	if n := len(b.ReadAll(t, "out")); n != 0 {
		t.Fatalf("%d outputs, want none", n)
	}
}

// TestKafkaSinkWriteErrors: a write the broker refuses, or one not
// acknowledged in time, fails naming the batch and the topic; the sink
// writes again once the broker accepts.
func TestKafkaSinkWriteErrors(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"out": 1, "out-deadletter": 1})
	base := b.SaramaConfig()
	base.Net.ReadTimeout = time.Second
	base.Producer.Retry.Backoff = 10 * time.Millisecond
	s := newKafkaSink(t, b, base)
	batch := time.UnixMilli(1_700_000_000_900)

	// mode says what the broker does with produce requests.
	const (
		accept = iota
		refuse
		ignore
	)
	var mode atomic.Int32
	b.Cluster().ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		b.Cluster().KeepControl()
		switch mode.Load() {
		case refuse:
			// Every partition answers INVALID_RECORD, which is not retried.
			req := r.(*kmsg.ProduceRequest)
			resp := req.ResponseKind().(*kmsg.ProduceResponse)
			for _, tp := range req.Topics {
				rt := kmsg.NewProduceResponseTopic()
				rt.Topic = tp.Topic
				for _, p := range tp.Partitions {
					rp := kmsg.NewProduceResponseTopicPartition()
					rp.Partition = p.Partition
					rp.ErrorCode = 87
					rt.Partitions = append(rt.Partitions, rp)
				}
				resp.Topics = append(resp.Topics, rt)
			}
			return resp, nil, true
		case ignore:
			return nil, nil, true
		}
		return nil, nil, false
	})
	if err := s.WritePartition(context.Background(), batch, "orders", 6, outputs(3, "ok")); err != nil {
		t.Fatalf("accepted write: %v", err)
	}

	mode.Store(refuse)
	err := s.WritePartition(context.Background(), batch, "orders", 7, outputs(3, "e"))
	if err == nil || !strings.Contains(err.Error(), `batch 1700000000900, orders-7, to Kafka topic "out"`) || !strings.Contains(err.Error(), "3 of 3 messages failed") {
		t.Fatalf("refused write: err %v; want one naming the batch, source partition and topic", err)
	}

	// Not acknowledged before the task's context ends.
	mode.Store(ignore)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = s.WriteRejected(ctx, batch, "orders", 7, []sdk.Rejected{{Record: sdk.Record{Topic: "orders", Partition: 7}, Reason: "r"}})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `dead letters of batch 1700000000900, orders-7, to Kafka topic "out-deadletter"`) {
		t.Fatalf("unacknowledged write: err %v; want the deadline, naming the batch and topic", err)
	}
	// The broker accepts again: so does the sink, for the task's retry.
	mode.Store(accept)
	if err := s.WritePartition(context.Background(), batch, "orders", 7, outputs(3, "e")); err != nil {
		t.Fatalf("write after the failures: %v", err)
	}
	ids := byID(t, b, "out")
	for i := range 3 {
		if id := (OutputID{BatchTimeMs: batch.UnixMilli(), Topic: "orders", Partition: 7, Index: i, Count: 3}); len(ids[id]) != 1 {
			t.Fatalf("%v: %d messages after the retry, want 1", id, len(ids[id]))
		}
	}
}

func TestNewKafkaSinkRejectsBadConfig(t *testing.T) {
	old := sarama.NewConfig()
	old.Version = sarama.V0_10_2_0
	for _, tc := range []struct {
		name string
		cfg  KafkaConfig
		want string
	}{
		{"no brokers", KafkaConfig{Topic: "a", DeadLetterTopic: "b"}, "no bootstrap brokers"},
		{"bad topic", KafkaConfig{Brokers: []string{"127.0.0.1:1"}, Topic: "a b", DeadLetterTopic: "b"}, `invalid character ' ' in topic name "a b"`},
		{"same topics", KafkaConfig{Brokers: []string{"127.0.0.1:1"}, Topic: "a", DeadLetterTopic: "a"}, `both go to "a"`},
		{"old version", KafkaConfig{Brokers: []string{"127.0.0.1:1"}, Topic: "a", DeadLetterTopic: "b", ClientConfig: old}, "needs Kafka 0.11.0 or later, spindle.kafka.version is 0.10.2.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewKafkaSink(context.Background(), tc.cfg)
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}
