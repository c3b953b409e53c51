package conf

import (
	"fmt"
	"strings"
	"time"
)

// Application keys of the sink a Spindle job writes its outputs to.
const (
	KeySinkPath                 = "spindle.sink.path"
	KeySinkKind                 = "spindle.sink.kind"
	KeySinkKafkaTopic           = "spindle.sink.kafka.topic"
	KeySinkKafkaDeadLetterTopic = "spindle.sink.kafka.deadLetterTopic"
	KeySinkKafkaBootstrap       = "spindle.sink.kafka.bootstrap.servers"
	KeySinkKafkaPartitioner     = "spindle.sink.kafka.partitioner"
	KeySinkKafkaTransactional   = "spindle.sink.kafka.transactional"
	KeySinkKafkaTxnIDPrefix     = "spindle.sink.kafka.transactionalIdPrefix"
	KeySinkKafkaTxnTimeout      = "spindle.sink.kafka.transaction.timeout.ms"
	SinkKindFile                = "file"
	SinkKindKafka               = "kafka"
)

var sinkKeys = []Key{
	{Name: KeySinkKind, Type: TypeString, Default: SinkKindFile, Values: []string{SinkKindFile, SinkKindKafka}, FoldCase: true, Group: GroupSink,
		Description: "`file`: each batch and partition is written to a file under `spindle.sink.path`. `kafka`: each output is a message to `spindle.sink.kafka.topic`, each task's messages committed in one Kafka transaction where the brokers support transactions (see `spindle.sink.kafka.transactional`)."},
	{Name: KeySinkPath, Type: TypeString, DefaultDoc: "`file://${spindle.tmp.dir}/output/<spark.app.name>`", Group: GroupSink, Check: nonEmpty,
		Description: "The file sink's directory (`file:///…` or `hdfs://…`): `batch=<ms>/part-<topic>-<partition>` beneath it, rewritten whole when a batch is replayed."},
	{Name: KeySinkKafkaTopic, Type: TypeString, DefaultDoc: "(none: required with spindle.sink.kind=kafka)", Group: GroupSink, Check: nonEmpty,
		Description: "The Kafka sink's output topic."},
	{Name: KeySinkKafkaDeadLetterTopic, Type: TypeString, DefaultDoc: "`<spindle.sink.kafka.topic>-deadletter`", Group: GroupSink, Check: nonEmpty,
		Description: "The Kafka sink's topic for rejected records."},
	{Name: KeySinkKafkaBootstrap, Type: TypeList, DefaultDoc: "spindle.kafka.bootstrap.servers", Group: GroupSink, Check: brokers,
		Description: "The Kafka sink's brokers, when they are not the source's; the client's other settings are the source's `spindle.kafka.*` ones."},
	{Name: KeySinkKafkaPartitioner, Type: TypeString, Default: "murmur2", Values: []string{"murmur2", "fnv1a"}, FoldCase: true, Group: GroupSink,
		Description: "How keyed outputs are placed: `murmur2`, as Java's producer does, or `fnv1a`, as Spindle did before, for topics already written that way."},
	{Name: KeySinkKafkaTransactional, Type: TypeBool, DefaultDoc: "(unset: on where the brokers support transactions)", Group: GroupSink,
		Description: "`true`: commit each task's outputs and dead letters in one Kafka transaction, so that `read_committed` consumers read every output once, or refuse to start; `false`: the idempotent producer only."},
	{Name: KeySinkKafkaTxnIDPrefix, Type: TypeString, DefaultDoc: "`spindle-<spark.app.name>-<spindle.sink.kafka.topic>`", Group: GroupSink, Check: txnIDPrefix,
		Description: "Starts the transactional ids (`<prefix>-<source topic>-<source partition>`) and names the consumer group in which transactions record their batches; one per application and output topic."},
	{Name: KeySinkKafkaTxnTimeout, Type: TypeDuration, Unit: "ms", Min: "1s", Default: "1min", Group: GroupSink, Check: atMost(15*time.Minute, "transaction.max.timeout.ms"),
		Description: "Kafka's `transaction.timeout.ms` for the sink's transactions: how long the brokers keep a silent producer's transaction open (the brokers allow up to 15min by default)."},
}

// txnIDPrefix accepts a transactional id prefix: a name without control
// characters.
func txnIDPrefix(v string) error {
	if err := nonEmpty(v); err != nil {
		return err
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return fmt.Errorf("%q holds a control character", v)
	}
	return nil
}
