package conf

// Application keys of the sink a Spindle job writes its outputs to.
const (
	KeySinkPath                 = "spindle.sink.path"
	KeySinkKind                 = "spindle.sink.kind"
	KeySinkKafkaTopic           = "spindle.sink.kafka.topic"
	KeySinkKafkaDeadLetterTopic = "spindle.sink.kafka.deadLetterTopic"
	KeySinkKafkaBootstrap       = "spindle.sink.kafka.bootstrap.servers"
	SinkKindFile                = "file"
	SinkKindKafka               = "kafka"
)

var sinkKeys = []Key{
	{Name: KeySinkKind, Type: TypeString, Default: SinkKindFile, Values: []string{SinkKindFile, SinkKindKafka}, FoldCase: true, Group: GroupSink,
		Description: "`file`: each batch and partition is written to a file under `spindle.sink.path`. `kafka`: each output is a message to `spindle.sink.kafka.topic`, written with the idempotent producer."},
	{Name: KeySinkPath, Type: TypeString, DefaultDoc: "`file://${spindle.tmp.dir}/output/<spark.app.name>`", Group: GroupSink, Check: nonEmpty,
		Description: "The file sink's directory (`file:///…` or `hdfs://…`): `batch=<ms>/part-<topic>-<partition>` beneath it, rewritten whole when a batch is replayed."},
	{Name: KeySinkKafkaTopic, Type: TypeString, DefaultDoc: "(none: required with spindle.sink.kind=kafka)", Group: GroupSink, Check: nonEmpty,
		Description: "The Kafka sink's output topic."},
	{Name: KeySinkKafkaDeadLetterTopic, Type: TypeString, DefaultDoc: "`<spindle.sink.kafka.topic>-deadletter`", Group: GroupSink, Check: nonEmpty,
		Description: "The Kafka sink's topic for rejected records."},
	{Name: KeySinkKafkaBootstrap, Type: TypeList, DefaultDoc: "spindle.kafka.bootstrap.servers", Group: GroupSink, Check: brokers,
		Description: "The Kafka sink's brokers, when they are not the source's; the client's other settings are the source's `spindle.kafka.*` ones."},
}
