package conf

// Application keys of the Kafka source and the lag monitor. The
// spindle.kafka.* keys keep the names of Kafka's consumer settings.
const (
	KeyKafkaBootstrapServers  = "spindle.kafka.bootstrap.servers"
	KeyKafkaTopics            = "spindle.kafka.topics"
	KeyKafkaAutoOffsetReset   = "spindle.kafka.auto.offset.reset"
	KeyKafkaGroupID           = "spindle.kafka.group.id"
	KeyKafkaClientID          = "spindle.kafka.client.id"
	KeyKafkaSecurityProtocol  = "spindle.kafka.security.protocol"
	KeyKafkaSASLMechanism     = "spindle.kafka.sasl.mechanism"
	KeyKafkaSASLUsername      = "spindle.kafka.sasl.username"
	KeyKafkaSASLPassword      = "spindle.kafka.sasl.password"
	KeyKafkaSSLCALocation     = "spindle.kafka.ssl.ca.location"
	KeyKafkaSSLCertLocation   = "spindle.kafka.ssl.certificate.location"
	KeyKafkaSSLKeyLocation    = "spindle.kafka.ssl.key.location"
	KeyKafkaVersion           = "spindle.kafka.version"
	KeyKafkaRequestTimeout    = "spindle.kafka.request.timeout.ms"
	KeyKafkaConnectTimeout    = "spindle.kafka.socket.connection.setup.timeout.ms"
	KeyKafkaMetadataMaxAge    = "spindle.kafka.metadata.max.age.ms"
	KeyKafkaFetchMinBytes     = "spindle.kafka.fetch.min.bytes"
	KeyKafkaFetchMaxWait      = "spindle.kafka.fetch.max.wait.ms"
	KeyKafkaMaxPartitionFetch = "spindle.kafka.max.partition.fetch.bytes"
	KeyKafkaIsolationLevel    = "spindle.kafka.isolation.level"
	KeyKafkaMinPartitions     = "spindle.kafka.minPartitions"
	KeyLagMaxRecords          = "spindle.monitor.lag.maxRecords"
	KeyLagMaxAge              = "spindle.monitor.lag.maxAge"
)

// Values of spindle.kafka.security.protocol.
const (
	KafkaPlaintext     = "PLAINTEXT"
	KafkaSSL           = "SSL"
	KafkaSASLPlaintext = "SASL_PLAINTEXT"
	KafkaSASLSSL       = "SASL_SSL"
)

var kafkaKeys = []Key{
	{Name: KeyKafkaBootstrapServers, Type: TypeList, DefaultDoc: "(none: required with spindle.driver.mode=plugin)", Group: GroupKafka, Check: brokers,
		Description: "The Kafka brokers to bootstrap from, `host:port[,host:port…]`."},
	{Name: KeyKafkaTopics, Type: TypeList, DefaultDoc: "(none: required with spindle.driver.mode=plugin)", Group: GroupKafka, Check: nonEmpty,
		Description: "The topics the stream reads, comma-separated."},
	{Name: KeyKafkaAutoOffsetReset, Type: TypeString, Default: "latest", Values: []string{"earliest", "latest", "none"}, FoldCase: true, Group: GroupKafka,
		Description: "Where a partition without a checkpointed offset starts, and where one whose offsets retention deleted resumes (with an ERROR): `earliest`, `latest`, or `none` to fail instead."},
	{Name: KeyKafkaGroupID, Type: TypeString, DefaultDoc: "`spindle-<spark.app.name>`", Group: GroupKafka, Check: nonEmpty,
		Description: "The consumer group each batch's processed offsets are committed to, for lag monitors; the stream itself resumes from the checkpoint and never joins the group."},
	{Name: KeyKafkaClientID, Type: TypeString, Default: "spindle", Group: GroupKafka, Check: nonEmpty,
		Description: "The Kafka client id."},
	{Name: KeyKafkaSecurityProtocol, Type: TypeString, Default: KafkaPlaintext, Values: []string{KafkaPlaintext, KafkaSSL, KafkaSASLPlaintext, KafkaSASLSSL}, FoldCase: true, Group: GroupKafka,
		Description: "How to reach the brokers, as Kafka's `security.protocol`."},
	{Name: KeyKafkaSASLMechanism, Type: TypeString, Default: "PLAIN", Values: []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}, FoldCase: true, Group: GroupKafka,
		Description: "The SASL mechanism, with `SASL_PLAINTEXT` or `SASL_SSL`."},
	{Name: KeyKafkaSASLUsername, Type: TypeString, DefaultDoc: "(none)", Group: GroupKafka, Check: nonEmpty,
		Description: "The SASL user name, with `SASL_PLAINTEXT` or `SASL_SSL`."},
	{Name: KeyKafkaSASLPassword, Type: TypeString, DefaultDoc: "(none)", Group: GroupKafka,
		Description: "The SASL password, with `SASL_PLAINTEXT` or `SASL_SSL`; never shown in messages."},
	{Name: KeyKafkaSSLCALocation, Type: TypeString, DefaultDoc: "(none: the system's roots)", Group: GroupKafka, Check: nonEmpty,
		Description: "A PEM file of CA certificates the brokers' certificates are checked against, with `SSL` or `SASL_SSL`; read on the cluster's nodes."},
	{Name: KeyKafkaSSLCertLocation, Type: TypeString, DefaultDoc: "(none)", Group: GroupKafka, Check: nonEmpty,
		Description: "A PEM client certificate, with `spindle.kafka.ssl.key.location`, for brokers that ask for one."},
	{Name: KeyKafkaSSLKeyLocation, Type: TypeString, DefaultDoc: "(none)", Group: GroupKafka, Check: nonEmpty,
		Description: "The PEM private key of `spindle.kafka.ssl.certificate.location`."},
	{Name: KeyKafkaVersion, Type: TypeString, Default: "2.8.0", Group: GroupKafka, Check: nonEmpty,
		Description: "The brokers' protocol version, such as `2.8.0` or `3.6.0`."},
	{Name: KeyKafkaRequestTimeout, Type: TypeDuration, Unit: "ms", Min: "0", Default: "30s", Group: GroupKafka,
		Description: "How long a request to a broker may take."},
	{Name: KeyKafkaConnectTimeout, Type: TypeDuration, Unit: "ms", Min: "0", Default: "30s", Group: GroupKafka,
		Description: "How long connecting to a broker may take."},
	{Name: KeyKafkaMetadataMaxAge, Type: TypeDuration, Unit: "ms", Min: "0", Default: "10min", Group: GroupKafka,
		Description: "How often the client refreshes its metadata in the background."},
	{Name: KeyKafkaFetchMinBytes, Type: TypeInt, Min: "1", Default: "1", Group: GroupKafka, Check: atMostInt32,
		Description: "The least data a fetch waits for, up to `spindle.kafka.fetch.max.wait.ms`."},
	{Name: KeyKafkaFetchMaxWait, Type: TypeDuration, Unit: "ms", Min: "0", Default: "10ms", Group: GroupKafka,
		Description: "How long a broker may hold a fetch for `spindle.kafka.fetch.min.bytes`. Kafka's default is 500ms; a batch reads a range that is already there, so Spindle's is 10ms."},
	{Name: KeyKafkaMaxPartitionFetch, Type: TypeInt, Min: "1", Default: "1048576", Group: GroupKafka, Check: atMostInt32,
		Description: "The most bytes of one partition a fetch asks for."},
	{Name: KeyKafkaIsolationLevel, Type: TypeString, Default: "read_uncommitted", Values: []string{"read_uncommitted", "read_committed"}, FoldCase: true, Group: GroupKafka,
		Description: "`read_committed` reads only committed transactional records."},
	{Name: KeyKafkaMinPartitions, Type: TypeInt, Min: "0", Default: "0", Group: GroupKafka, Check: atMostInt32,
		Description: "The least number of tasks a batch is cut into, as Structured Streaming's `minPartitions` for Kafka: when a batch has fewer ranges with records, the largest are split at chunk boundaries so that every core has a task. 0 means the executors' free cores when the batch is planned; 1 never splits."},
	{Name: KeyLagMaxRecords, Type: TypeInt, Min: "0", Default: "0", Group: GroupKafka,
		Description: "Warn when a partition's consumer lag exceeds this many records; 0: no records threshold."},
	{Name: KeyLagMaxAge, Type: TypeDuration, Unit: "s", Min: "0", Default: "10min", Group: GroupKafka,
		Description: "Warn when a partition's oldest unread record is older than this; 0: no age threshold."},
}
