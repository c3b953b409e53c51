package sink

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestConfigFromConf(t *testing.T) {
	src := map[string]string{"spindle.kafka.bootstrap.servers": "k1:9092,k2:9092", "spindle.kafka.topics": "tx"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range src {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name string
		conf map[string]string
		want Config
	}{
		{"default is file", with("spindle.sink.path", "file:///out"), Config{Kind: KindFile}},
		{"file", with("spindle.sink.kind", " File "), Config{Kind: KindFile}},
		{"kafka with defaults", with("spindle.sink.kind", "kafka", "spindle.sink.kafka.topic", "sales"),
			Config{Kind: KindKafka, Kafka: KafkaConfig{Brokers: []string{"k1:9092", "k2:9092"}, Topic: "sales", DeadLetterTopic: "sales-deadletter"}}},
		{"kafka with its own brokers and dead-letter topic", with("spindle.sink.kind", "KAFKA", "spindle.sink.kafka.topic", "sales",
			"spindle.sink.kafka.deadLetterTopic", "sales.rejected", "spindle.sink.kafka.bootstrap.servers", "out:9093"),
			Config{Kind: KindKafka, Kafka: KafkaConfig{Brokers: []string{"out:9093"}, Topic: "sales", DeadLetterTopic: "sales.rejected"}}},
		{"kafka with the fnv1a partitioner", with("spindle.sink.kind", "kafka", "spindle.sink.kafka.topic", "sales", "spindle.sink.kafka.partitioner", " FNV1a "),
			Config{Kind: KindKafka, Kafka: KafkaConfig{Brokers: []string{"k1:9092", "k2:9092"}, Topic: "sales", DeadLetterTopic: "sales-deadletter", Partitioner: PartitionerFNV1a}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConfigFromConf(tc.conf)
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tc.want.Kind || got.Kafka.Topic != tc.want.Kafka.Topic || got.Kafka.DeadLetterTopic != tc.want.Kafka.DeadLetterTopic ||
				!slices.Equal(got.Kafka.Brokers, tc.want.Kafka.Brokers) || got.Kafka.ClientConfig != nil || got.Kafka.Partitioner != tc.want.Kafka.Partitioner {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestConfigFromConfErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		conf map[string]string
		want string
	}{
		{"unknown kind", map[string]string{"spindle.sink.kind": "s3"}, `spindle.sink.kind="s3": must be file or kafka`},
		{"kafka key with the file sink", map[string]string{"spindle.sink.kafka.topic": "sales"},
			"spindle.sink.kafka.topic is set but spindle.sink.kind is file: set spindle.sink.kind=kafka"},
		{"unknown kafka key", map[string]string{"spindle.sink.kind": "kafka", "spindle.sink.kafka.topic": "s", "spindle.sink.kafka.deadletterTopic": "d"},
			"unknown key spindle.sink.kafka.deadletterTopic"},
		{"no topic", map[string]string{"spindle.sink.kind": "kafka", "spindle.kafka.bootstrap.servers": "k:1"},
			"spindle.sink.kafka.topic is required with spindle.sink.kind=kafka"},
		{"bad topic", map[string]string{"spindle.sink.kind": "kafka", "spindle.sink.kafka.topic": "sales/eu", "spindle.kafka.bootstrap.servers": "k:1"},
			`spindle.sink.kafka.topic: kafkasource: invalid config: invalid character '/' in topic name "sales/eu"`},
		{"bad dead-letter topic", map[string]string{"spindle.sink.kind": "kafka", "spindle.sink.kafka.topic": "s", "spindle.sink.kafka.deadLetterTopic": "", "spindle.kafka.bootstrap.servers": "k:1"},
			`spindle.sink.kafka.deadLetterTopic: kafkasource: invalid config: invalid topic name ""`},
		{"same topics", map[string]string{"spindle.sink.kind": "kafka", "spindle.sink.kafka.topic": "s", "spindle.sink.kafka.deadLetterTopic": "s", "spindle.kafka.bootstrap.servers": "k:1"},
			"spindle.sink.kafka.topic and spindle.sink.kafka.deadLetterTopic are both \"s\""},
		{"no brokers", map[string]string{"spindle.sink.kind": "kafka", "spindle.sink.kafka.topic": "s"},
			"spindle.sink.kafka.bootstrap.servers is required with spindle.sink.kind=kafka (or spindle.kafka.bootstrap.servers"},
		{"bad sink brokers", map[string]string{"spindle.sink.kind": "kafka", "spindle.sink.kafka.topic": "s", "spindle.sink.kafka.bootstrap.servers": "k"},
			`spindle.sink.kafka.bootstrap.servers="k": broker "k" is not host:port`},
		{"unknown partitioner", map[string]string{"spindle.sink.kind": "kafka", "spindle.sink.kafka.topic": "s", "spindle.kafka.bootstrap.servers": "k:1", "spindle.sink.kafka.partitioner": "crc32"},
			`spindle.sink.kafka.partitioner="crc32": must be murmur2 or fnv1a`},
		{"bad source brokers", map[string]string{"spindle.sink.kind": "kafka", "spindle.sink.kafka.topic": "s", "spindle.kafka.bootstrap.servers": "k:0"},
			`spindle.kafka.bootstrap.servers="k:0": broker "k:0" has an invalid port`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ConfigFromConf(tc.conf)
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestConfigFromConfTransactions(t *testing.T) {
	base := map[string]string{"spindle.sink.kind": "kafka", "spindle.sink.kafka.topic": "sales",
		"spindle.kafka.bootstrap.servers": "k:1", "spindle.kafka.topics": "tx, refunds,", "spark.app.name": "retail"}
	with := func(kv ...string) map[string]string {
		m := maps.Clone(base)
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	got, err := ConfigFromConf(base)
	if err != nil {
		t.Fatal(err)
	}
	k := got.Kafka
	if k.Transactional != TransactionalAuto || k.TransactionalIDPrefix != "spindle-retail-sales" || k.TransactionTimeout != 0 || !slices.Equal(k.SourceTopics, []string{"tx", "refunds"}) {
		t.Fatalf("defaults: %+v", k)
	}
	got, err = ConfigFromConf(with("spindle.sink.kafka.transactional", " TRUE", "spindle.sink.kafka.transactionalIdPrefix", "orders-eu",
		"spindle.sink.kafka.transaction.timeout.ms", "30000"))
	if err != nil {
		t.Fatal(err)
	}
	if k := got.Kafka; k.Transactional != TransactionalOn || k.TransactionalIDPrefix != "orders-eu" || k.TransactionTimeout != 30*time.Second {
		t.Fatalf("set: %+v", k)
	}
	if got, _ := ConfigFromConf(with("spindle.sink.kafka.transactional", "false")); got.Kafka.Transactional != TransactionalOff {
		t.Fatalf("false: %+v", got.Kafka)
	}
	for kv, want := range map[[2]string]string{
		{"spindle.sink.kafka.transactional", "yes"}:             `spindle.sink.kafka.transactional="yes": must be true or false`,
		{"spindle.sink.kafka.transactionalIdPrefix", " "}:       `spindle.sink.kafka.transactionalIdPrefix=" ": must be a non-empty name`,
		{"spindle.sink.kafka.transactionalIdPrefix", "a\nb"}:    `must be a non-empty name without control characters`,
		{"spindle.sink.kafka.transaction.timeout.ms", "60s"}:    `spindle.sink.kafka.transaction.timeout.ms="60s": must be a whole number of milliseconds from 1000 to 900000`,
		{"spindle.sink.kafka.transaction.timeout.ms", "999"}:    `from 1000 to 900000`,
		{"spindle.sink.kafka.transaction.timeout.ms", "900001"}: `from 1000 to 900000`,
	} {
		if _, err := ConfigFromConf(with(kv[0], kv[1])); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s=%q: %v, want %q", kv[0], kv[1], err, want)
		}
	}
	noName := maps.Clone(base)
	delete(noName, "spark.app.name")
	if got, _ := ConfigFromConf(noName); got.Kafka.TransactionalIDPrefix != "spindle-sales" {
		t.Fatalf("prefix without an app name: %q", got.Kafka.TransactionalIDPrefix)
	}
}
