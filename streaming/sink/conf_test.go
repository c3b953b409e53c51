package sink

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/conf"
)

// appConf sets keys as spindle submit does, failing the test on a refusal.
func appConf(t *testing.T, m map[string]string) conf.AppConf {
	t.Helper()
	var a conf.AppConf
	for k, v := range m {
		if err := a.Set(k, v); err != nil {
			t.Fatalf("%s=%q: %v", k, v, err)
		}
	}
	return a
}

func TestConfigFromApp(t *testing.T) {
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
		{"default is file", with("spindle.sink.path", "file:///out"), Config{Kind: KindFile, Path: "file:///out"}},
		{"file", with("spindle.sink.kind", " File ", "spindle.sink.path", "hdfs://nn/out"), Config{Kind: KindFile, Path: "hdfs://nn/out"}},
		{"kafka with defaults", with("spindle.sink.kind", "kafka", "spindle.sink.kafka.topic", "sales"),
			Config{Kind: KindKafka, Kafka: KafkaConfig{Brokers: []string{"k1:9092", "k2:9092"}, Topic: "sales", DeadLetterTopic: "sales-deadletter"}}},
		{"kafka with its own brokers and dead-letter topic", with("spindle.sink.kind", "KAFKA", "spindle.sink.kafka.topic", "sales",
			"spindle.sink.kafka.deadLetterTopic", "sales.rejected", "spindle.sink.kafka.bootstrap.servers", "out:9093"),
			Config{Kind: KindKafka, Kafka: KafkaConfig{Brokers: []string{"out:9093"}, Topic: "sales", DeadLetterTopic: "sales.rejected"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConfigFromApp(appConf(t, tc.conf))
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tc.want.Kind || got.Path != tc.want.Path || got.Kafka.Topic != tc.want.Kafka.Topic || got.Kafka.DeadLetterTopic != tc.want.Kafka.DeadLetterTopic ||
				!slices.Equal(got.Kafka.Brokers, tc.want.Kafka.Brokers) || got.Kafka.ClientConfig != nil {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestConfigFromAppErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		conf map[string]string
		want string
	}{
		{"no path", map[string]string{}, "no sink: set spindle.sink.path"},
		{"kafka key with the file sink", map[string]string{"spindle.sink.kafka.topic": "sales", "spindle.sink.path": "file:///o"},
			"spindle.sink.kafka.topic is set but spindle.sink.kind is file: set spindle.sink.kind=kafka"},
		{"no topic", map[string]string{"spindle.sink.kind": "kafka", "spindle.kafka.bootstrap.servers": "k:1"},
			"spindle.sink.kafka.topic is required with spindle.sink.kind=kafka"},
		{"bad topic", map[string]string{"spindle.sink.kind": "kafka", "spindle.sink.kafka.topic": "sales/eu", "spindle.kafka.bootstrap.servers": "k:1"},
			`spindle.sink.kafka.topic: kafkasource: invalid config: invalid character '/' in topic name "sales/eu"`},
		{"same topics", map[string]string{"spindle.sink.kind": "kafka", "spindle.sink.kafka.topic": "s", "spindle.sink.kafka.deadLetterTopic": "s", "spindle.kafka.bootstrap.servers": "k:1"},
			"spindle.sink.kafka.topic and spindle.sink.kafka.deadLetterTopic are both \"s\""},
		{"no brokers", map[string]string{"spindle.sink.kind": "kafka", "spindle.sink.kafka.topic": "s"},
			"spindle.sink.kafka.bootstrap.servers is required with spindle.sink.kind=kafka (or spindle.kafka.bootstrap.servers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ConfigFromApp(appConf(t, tc.conf))
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	// Values that do not fit their keys never reach ConfigFromApp: submit
	// refuses them, and unknown spindle.sink.* keys.
	for k, v := range map[string]string{
		"spindle.sink.kind":                    "s3",
		"spindle.sink.kafka.deadletterTopic":   "d",
		"spindle.sink.kafka.deadLetterTopic":   "",
		"spindle.sink.kafka.bootstrap.servers": "k",
	} {
		var a conf.AppConf
		if err := a.Set(k, v); err == nil {
			t.Errorf("%s=%q accepted", k, v)
		}
	}
}

func TestConfigFromAppPartitionerAndTransactions(t *testing.T) {
	base := map[string]string{"spindle.sink.kind": "kafka", "spindle.sink.kafka.topic": "sales",
		"spindle.kafka.bootstrap.servers": "k:1", "spindle.kafka.topics": "tx, refunds", "spark.app.name": "retail"}
	with := func(kv ...string) map[string]string {
		m := maps.Clone(base)
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	got, err := ConfigFromApp(appConf(t, base))
	if err != nil {
		t.Fatal(err)
	}
	k := got.Kafka
	if k.Partitioner != PartitionerMurmur2 || k.Transactional != TransactionalAuto || k.TransactionalIDPrefix != "spindle-retail-sales" ||
		k.TransactionTimeout != time.Minute || !slices.Equal(k.SourceTopics, []string{"tx", "refunds"}) {
		t.Fatalf("defaults: %+v", k)
	}
	got, err = ConfigFromApp(appConf(t, with("spindle.sink.kafka.partitioner", "FNV1a", "spindle.sink.kafka.transactional", "true",
		"spindle.sink.kafka.transactionalIdPrefix", "orders-eu", "spindle.sink.kafka.transaction.timeout.ms", "30000")))
	if err != nil {
		t.Fatal(err)
	}
	if k := got.Kafka; k.Partitioner != PartitionerFNV1a || k.Transactional != TransactionalOn || k.TransactionalIDPrefix != "orders-eu" || k.TransactionTimeout != 30*time.Second {
		t.Fatalf("set: %+v", k)
	}
	if got, _ := ConfigFromApp(appConf(t, with("spindle.sink.kafka.transactional", "false"))); got.Kafka.Transactional != TransactionalOff {
		t.Fatalf("false: %+v", got.Kafka)
	}
	noName := maps.Clone(base)
	delete(noName, "spark.app.name")
	if got, _ := ConfigFromApp(appConf(t, noName)); got.Kafka.TransactionalIDPrefix != "spindle-sales" {
		t.Fatalf("prefix without an app name: %q", got.Kafka.TransactionalIDPrefix)
	}
	// Submit refuses values that do not fit.
	for k, v := range map[string]string{
		"spindle.sink.kafka.partitioner":            "crc32",
		"spindle.sink.kafka.transactional":          "yes",
		"spindle.sink.kafka.transactionalIdPrefix":  "a\nb",
		"spindle.sink.kafka.transaction.timeout.ms": "999",
	} {
		var a conf.AppConf
		if err := a.Set(k, v); err == nil {
			t.Errorf("%s=%q accepted", k, v)
		}
	}
	var a conf.AppConf
	if err := a.Set("spindle.sink.kafka.transaction.timeout.ms", "16min"); err == nil {
		t.Error("a transaction timeout above 15min accepted")
	}
	// A transaction key with the file sink is an error naming it.
	_, err = ConfigFromApp(appConf(t, map[string]string{"spindle.sink.path": "file:///o", "spindle.sink.kafka.transactional": "true"}))
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "spindle.sink.kafka.transactional is set but spindle.sink.kind is file") {
		t.Fatalf("transactional with the file sink: %v", err)
	}
}
