package sink

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spindlehq/spindle/streaming/kafkasource"
)

// Configuration keys read by ConfigFromConf. The file sink's directory is
// spindle.sink.path.
const (
	// KeyKind chooses the sink: file (the default) or kafka.
	KeyKind = "spindle.sink.kind"
	// KeyKafkaTopic is the Kafka sink's output topic (required).
	KeyKafkaTopic = "spindle.sink.kafka.topic"
	// KeyKafkaDeadLetterTopic is the Kafka sink's dead-letter topic
	// (default: the output topic followed by -deadletter).
	KeyKafkaDeadLetterTopic = "spindle.sink.kafka.deadLetterTopic"
	// KeyKafkaBootstrapServers are the Kafka sink's bootstrap brokers
	// (default: spindle.kafka.bootstrap.servers, the source's).
	KeyKafkaBootstrapServers = "spindle.sink.kafka.bootstrap.servers"
	// KeyKafkaPartitioner places keyed outputs: murmur2 (the default, as
	// Java's producer does) or fnv1a (for topics written before murmur2
	// was the default).
	KeyKafkaPartitioner = "spindle.sink.kafka.partitioner"
	// KeyKafkaTransactional commits each task's outputs and dead letters
	// in one Kafka transaction: true or false; unset, transactions are
	// used where the brokers support them.
	KeyKafkaTransactional = "spindle.sink.kafka.transactional"
	// KeyKafkaTransactionalIDPrefix starts the transactional ids
	// (<prefix>-<source topic>-<source partition>) and names the consumer
	// group in which transactions record their batches (default
	// spindle-<spark.app.name>-<topic>).
	KeyKafkaTransactionalIDPrefix = "spindle.sink.kafka.transactionalIdPrefix"
	// KeyKafkaTransactionTimeout is Kafka's transaction.timeout.ms for the
	// sink's transactions (default 60000).
	KeyKafkaTransactionTimeout = "spindle.sink.kafka.transaction.timeout.ms"
)

// kafkaKeys are the spindle.sink.kafka.* keys ConfigFromConf knows.
var kafkaKeys = []string{KeyKafkaTopic, KeyKafkaDeadLetterTopic, KeyKafkaBootstrapServers, KeyKafkaPartitioner,
	KeyKafkaTransactional, KeyKafkaTransactionalIDPrefix, KeyKafkaTransactionTimeout}

// Values of spindle.sink.kind.
const (
	// KindFile writes each batch-partition to a file under spindle.sink.path.
	KindFile = "file"
	// KindKafka writes each output as a message to a Kafka topic.
	KindKafka = "kafka"
)

// DeadLetterTopicSuffix makes the default dead-letter topic's name from the
// output topic's.
const DeadLetterTopicSuffix = "-deadletter"

const kafkaPrefix = "spindle.sink.kafka."

// ErrInvalidConfig is wrapped by every sink configuration error.
var ErrInvalidConfig = errors.New("sink: invalid config")

// Config is the sink an application writes to.
type Config struct {
	// Kind is KindFile or KindKafka.
	Kind string
	// Kafka configures the Kafka sink when Kind is KindKafka.
	Kafka KafkaConfig
}

// ConfigFromConf reads the sink's configuration keys: spindle.sink.kind
// (file or kafka, default file) and, for kafka, spindle.sink.kafka.topic
// (required), spindle.sink.kafka.deadLetterTopic (default <topic>-deadletter),
// spindle.sink.kafka.bootstrap.servers (default
// spindle.kafka.bootstrap.servers) and spindle.sink.kafka.partitioner
// (murmur2 or fnv1a, default murmur2), and the transaction keys (see
// transactionsFromConf). Any other spindle.sink.kafka.* key is an
// error naming it, and so is a spindle.sink.kafka.* key with the file sink.
// The Kafka client's security and other settings are the source's
// spindle.kafka.* ones: the caller sets Kafka.ClientConfig (and
// Kafka.Logger).
func ConfigFromConf(conf map[string]string) (Config, error) {
	cfg := Config{Kind: KindFile}
	if v, ok := conf[KeyKind]; ok {
		cfg.Kind = strings.ToLower(strings.TrimSpace(v))
		if cfg.Kind != KindFile && cfg.Kind != KindKafka {
			return Config{}, fmt.Errorf("%w: %s=%q: must be %s or %s", ErrInvalidConfig, KeyKind, v, KindFile, KindKafka)
		}
	}
	var setKeys []string
	for k := range conf {
		if strings.HasPrefix(k, kafkaPrefix) {
			setKeys = append(setKeys, k)
		}
	}
	// Sorted, so that with several bad keys the same one is reported.
	slices.Sort(setKeys)
	for _, k := range setKeys {
		if !slices.Contains(kafkaKeys, k) {
			return Config{}, fmt.Errorf("%w: unknown key %s (the Kafka sink reads %s)", ErrInvalidConfig, k, strings.Join(kafkaKeys, ", "))
		}
		if cfg.Kind != KindKafka {
			return Config{}, fmt.Errorf("%w: %s is set but %s is %s: set %s=%s to write to Kafka", ErrInvalidConfig, k, KeyKind, cfg.Kind, KeyKind, KindKafka)
		}
	}
	if cfg.Kind != KindKafka {
		return cfg, nil
	}

	k := &cfg.Kafka
	k.Topic = strings.TrimSpace(conf[KeyKafkaTopic])
	if k.Topic == "" {
		return Config{}, fmt.Errorf("%w: %s is required with %s=%s", ErrInvalidConfig, KeyKafkaTopic, KeyKind, KindKafka)
	}
	if err := kafkasource.ValidateTopic(k.Topic); err != nil {
		return Config{}, fmt.Errorf("%w: %s: %w", ErrInvalidConfig, KeyKafkaTopic, err)
	}
	k.DeadLetterTopic = k.Topic + DeadLetterTopicSuffix
	if v, ok := conf[KeyKafkaDeadLetterTopic]; ok {
		k.DeadLetterTopic = strings.TrimSpace(v)
		if err := kafkasource.ValidateTopic(k.DeadLetterTopic); err != nil {
			return Config{}, fmt.Errorf("%w: %s: %w", ErrInvalidConfig, KeyKafkaDeadLetterTopic, err)
		}
	}
	if k.DeadLetterTopic == k.Topic {
		return Config{}, fmt.Errorf("%w: %s and %s are both %q: dead letters need a topic of their own", ErrInvalidConfig, KeyKafkaTopic, KeyKafkaDeadLetterTopic, k.Topic)
	}
	key := KeyKafkaBootstrapServers
	servers, ok := conf[key]
	if !ok {
		key = kafkasource.KeyBootstrapServers
		if servers, ok = conf[key]; !ok {
			return Config{}, fmt.Errorf("%w: %s is required with %s=%s (or %s, which it defaults to)", ErrInvalidConfig, KeyKafkaBootstrapServers, KeyKind, KindKafka, kafkasource.KeyBootstrapServers)
		}
	}
	brokers, err := kafkasource.ParseBrokers(strings.TrimSpace(servers))
	if err != nil {
		return Config{}, fmt.Errorf("%w: %s=%q: %w", ErrInvalidConfig, key, servers, err)
	}
	k.Brokers = brokers
	if v, ok := conf[KeyKafkaPartitioner]; ok {
		k.Partitioner = strings.ToLower(strings.TrimSpace(v))
		if _, err := partitionerFor(k.Partitioner); err != nil {
			return Config{}, err
		}
	}
	if err := transactionsFromConf(conf, k); err != nil {
		return Config{}, err
	}
	return cfg, nil
}
