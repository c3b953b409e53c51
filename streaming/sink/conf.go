package sink

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/streaming/kafkasource"
)

// Values of spindle.sink.kind.
const (
	// KindFile writes each batch-partition to a file under spindle.sink.path.
	KindFile = conf.SinkKindFile
	// KindKafka writes each output as a message to a Kafka topic.
	KindKafka = conf.SinkKindKafka
)

// DeadLetterTopicSuffix makes the default dead-letter topic's name from the
// output topic's.
const DeadLetterTopicSuffix = "-deadletter"

// ErrInvalidConfig is wrapped by every sink configuration error.
var ErrInvalidConfig = errors.New("sink: invalid config")

// Config is the sink an application writes to.
type Config struct {
	// Kind is KindFile or KindKafka.
	Kind string
	// Path is the file sink's directory, a file:// or hdfs:// URI.
	Path string
	// Kafka configures the Kafka sink when Kind is KindKafka.
	Kafka KafkaConfig
}

// Values of spindle.sink.kafka.partitioner: how the Kafka sink places a
// message that has a key.
const (
	// PartitionerMurmur2 places a keyed message where Java's Kafka
	// producer (DefaultPartitioner, BuiltInPartitioner) puts the same key:
	// toPositive(murmur2(key)) % partitions. Joins with topics that Java
	// services write by key need it. The default.
	PartitionerMurmur2 = "murmur2"
	// PartitionerFNV1a places a keyed message as sarama's hash
	// partitioner does (FNV-1a, absolute value of the signed remainder),
	// as Spindle's Kafka sink did before murmur2 became the default: for
	// topics already written that way.
	PartitionerFNV1a = "fnv1a"
)

// kafkaKeys are the keys that only the Kafka sink reads.
var kafkaKeys = []string{conf.KeySinkKafkaTopic, conf.KeySinkKafkaDeadLetterTopic, conf.KeySinkKafkaBootstrap,
	conf.KeySinkKafkaPartitioner, conf.KeySinkKafkaTransactional, conf.KeySinkKafkaTxnIDPrefix, conf.KeySinkKafkaTxnTimeout}

// ConfigFromApp reads the sink's keys from an application's configuration,
// checked and parsed at submit: spindle.sink.kind and, for the file sink,
// spindle.sink.path (required); for the Kafka sink,
// spindle.sink.kafka.topic (required), spindle.sink.kafka.deadLetterTopic
// (default <topic>-deadletter), spindle.sink.kafka.bootstrap.servers
// (default spindle.kafka.bootstrap.servers), spindle.sink.kafka.partitioner
// and the transaction keys (see transactionsFromApp). A spindle.sink.kafka.* key
// with the file sink is an error naming it. The Kafka client's security
// and other settings are the source's spindle.kafka.* ones: the caller
// sets Kafka.ClientConfig (and Kafka.Logger).
func ConfigFromApp(a conf.AppConf) (Config, error) {
	cfg := Config{Kind: strings.ToLower(strings.TrimSpace(a.String(conf.KeySinkKind)))}
	if cfg.Kind != KindKafka {
		for _, k := range kafkaKeys {
			if a.IsSet(k) {
				return Config{}, fmt.Errorf("%w: %s is set but %s is %s: set %s=%s to write to Kafka", ErrInvalidConfig, k, conf.KeySinkKind, cfg.Kind, conf.KeySinkKind, KindKafka)
			}
		}
		cfg.Path = strings.TrimSpace(a.String(conf.KeySinkPath))
		if cfg.Path == "" {
			return Config{}, fmt.Errorf("%w: no sink: set %s (file:///… or hdfs://…)", ErrInvalidConfig, conf.KeySinkPath)
		}
		return cfg, nil
	}

	k := &cfg.Kafka
	k.Topic = strings.TrimSpace(a.String(conf.KeySinkKafkaTopic))
	if k.Topic == "" {
		return Config{}, fmt.Errorf("%w: %s is required with %s=%s", ErrInvalidConfig, conf.KeySinkKafkaTopic, conf.KeySinkKind, KindKafka)
	}
	if err := kafkasource.ValidateTopic(k.Topic); err != nil {
		return Config{}, fmt.Errorf("%w: %s: %w", ErrInvalidConfig, conf.KeySinkKafkaTopic, err)
	}
	k.DeadLetterTopic = k.Topic + DeadLetterTopicSuffix
	if a.IsSet(conf.KeySinkKafkaDeadLetterTopic) {
		k.DeadLetterTopic = strings.TrimSpace(a.String(conf.KeySinkKafkaDeadLetterTopic))
		if err := kafkasource.ValidateTopic(k.DeadLetterTopic); err != nil {
			return Config{}, fmt.Errorf("%w: %s: %w", ErrInvalidConfig, conf.KeySinkKafkaDeadLetterTopic, err)
		}
	}
	if k.DeadLetterTopic == k.Topic {
		return Config{}, fmt.Errorf("%w: %s and %s are both %q: dead letters need a topic of their own", ErrInvalidConfig, conf.KeySinkKafkaTopic, conf.KeySinkKafkaDeadLetterTopic, k.Topic)
	}
	switch {
	case a.IsSet(conf.KeySinkKafkaBootstrap):
		k.Brokers = a.List(conf.KeySinkKafkaBootstrap)
	case a.IsSet(conf.KeyKafkaBootstrapServers):
		k.Brokers = a.List(conf.KeyKafkaBootstrapServers)
	default:
		return Config{}, fmt.Errorf("%w: %s is required with %s=%s (or %s, which it defaults to)", ErrInvalidConfig, conf.KeySinkKafkaBootstrap, conf.KeySinkKind, KindKafka, conf.KeyKafkaBootstrapServers)
	}
	k.Partitioner = strings.ToLower(a.String(conf.KeySinkKafkaPartitioner))
	if _, err := partitionerFor(k.Partitioner); err != nil {
		return Config{}, err
	}
	transactionsFromApp(a, k)
	return cfg, nil
}
