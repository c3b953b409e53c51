package conf

import (
	"fmt"
	"strings"
	"time"
)

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

	// The Java client's names of security settings, which Spark's Kafka
	// source takes as kafka.<name>.
	KeyKafkaSASLJAASConfig            = "spindle.kafka.sasl.jaas.config"
	KeyKafkaSSLTruststoreLocation     = "spindle.kafka.ssl.truststore.location"
	KeyKafkaSSLTruststoreType         = "spindle.kafka.ssl.truststore.type"
	KeyKafkaSSLTruststorePassword     = "spindle.kafka.ssl.truststore.password"
	KeyKafkaSSLKeystoreLocation       = "spindle.kafka.ssl.keystore.location"
	KeyKafkaSSLKeystoreType           = "spindle.kafka.ssl.keystore.type"
	KeyKafkaSSLKeystorePassword       = "spindle.kafka.ssl.keystore.password"
	KeyKafkaSSLKeyPassword            = "spindle.kafka.ssl.key.password"
	KeyKafkaSSLEndpointIdentification = "spindle.kafka.ssl.endpoint.identification.algorithm"
	KeyKafkaGroupJoin                 = "spindle.kafka.group.join"
	KeyKafkaGroupInstanceID           = "spindle.kafka.group.instance.id"
	KeyKafkaSessionTimeout            = "spindle.kafka.session.timeout.ms"
	KeyKafkaHeartbeatInterval         = "spindle.kafka.heartbeat.interval.ms"
	KeyKafkaMinPartitions             = "spindle.kafka.minPartitions"
	KeyLagMaxRecords                  = "spindle.monitor.lag.maxRecords"
	KeyLagMaxAge                      = "spindle.monitor.lag.maxAge"
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
		Description: "The consumer group each batch's processed offsets are committed to, for lag monitors, with the driver as its one static member while the application runs (see `spindle.kafka.group.join`); the stream resumes from the checkpoint, and the group never decides what it reads."},
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
	{Name: KeyKafkaSASLJAASConfig, Type: TypeString, DefaultDoc: "(none)", Group: GroupKafka,
		Description: "The Java client's `sasl.jaas.config`, one login module line: `org.apache.kafka.common.security.plain.PlainLoginModule required username=\"…\" password=\"…\";` for PLAIN, `…scram.ScramLoginModule …` for SCRAM; instead of `spindle.kafka.sasl.username` and `password`, never shown in messages."},
	{Name: KeyKafkaSSLTruststoreLocation, Type: TypeString, DefaultDoc: "(none: the system's roots)", Group: GroupKafka, Check: nonEmpty,
		Description: "The Java client's truststore: a PEM file of CA certificates (a JKS or PKCS12 store is refused with the commands that convert it); instead of `spindle.kafka.ssl.ca.location`."},
	{Name: KeyKafkaSSLTruststoreType, Type: TypeString, DefaultDoc: "(PEM)", Group: GroupKafka, Check: nonEmpty,
		Description: "`PEM`; JKS and PKCS12 are refused with how to convert the store."},
	{Name: KeyKafkaSSLTruststorePassword, Type: TypeString, DefaultDoc: "(none)", Group: GroupKafka,
		Description: "Accepted and unused: a PEM truststore has no password."},
	{Name: KeyKafkaSSLKeystoreLocation, Type: TypeString, DefaultDoc: "(none)", Group: GroupKafka, Check: nonEmpty,
		Description: "The Java client's keystore: one PEM file with the client certificate chain and its unencrypted private key; instead of `spindle.kafka.ssl.certificate.location` and `key.location`."},
	{Name: KeyKafkaSSLKeystoreType, Type: TypeString, DefaultDoc: "(PEM)", Group: GroupKafka, Check: nonEmpty,
		Description: "`PEM`; JKS and PKCS12 are refused with how to convert the store."},
	{Name: KeyKafkaSSLKeystorePassword, Type: TypeString, DefaultDoc: "(none)", Group: GroupKafka,
		Description: "Accepted and unused: a PEM keystore has no password."},
	{Name: KeyKafkaSSLKeyPassword, Type: TypeString, DefaultDoc: "(none)", Group: GroupKafka,
		Description: "Refused: Spindle reads only unencrypted private keys; the message says how to decrypt one."},
	{Name: KeyKafkaSSLEndpointIdentification, Type: TypeString, Default: "https", Group: GroupKafka, Check: endpointIdentification,
		Description: "`https`: the brokers' certificates must name the host dialled; empty: any name (the certificate chain is still verified)."},
	{Name: KeyKafkaGroupJoin, Type: TypeBool, Default: "true", Group: GroupKafka,
		Description: "Keep the driver a static member of `spindle.kafka.group.id` while the application runs, holding every partition, so that tools show an active member; `false`: commit without membership."},
	{Name: KeyKafkaGroupInstanceID, Type: TypeString, DefaultDoc: "`<spindle.kafka.group.id>-driver`", Group: GroupKafka, Check: nonEmpty,
		Description: "The driver's `group.instance.id`; a new attempt's driver takes the old one's place under it."},
	{Name: KeyKafkaSessionTimeout, Type: TypeDuration, Unit: "ms", Min: "6s", Default: "45s", Group: GroupKafka, Check: atMost(30*time.Minute, "group.max.session.timeout.ms"),
		Description: "How long the group keeps a driver that stopped heartbeating, such as a killed AM's (Kafka's `session.timeout.ms`; the brokers allow 6s to 30min by default)."},
	{Name: KeyKafkaHeartbeatInterval, Type: TypeDuration, Unit: "ms", Min: "1ms", Default: "3s", Group: GroupKafka,
		Description: "How often the driver heartbeats to its group; below `spindle.kafka.session.timeout.ms`."},
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

// endpointIdentification accepts ssl.endpoint.identification.algorithm's
// values: https, or empty for none.
func endpointIdentification(v string) error {
	if t := strings.TrimSpace(v); t != "" && !strings.EqualFold(t, "https") {
		return fmt.Errorf("%q is not accepted: use https, or empty to accept any host name", v)
	}
	return nil
}

// atMost returns a check that refuses a duration above limit, the brokers'
// default of setting.
func atMost(limit time.Duration, setting string) func(string) error {
	return func(v string) error {
		if d, err := ParseDuration(v, time.Millisecond); err == nil && d > limit {
			return fmt.Errorf("%q is above %v, the brokers' default %s", v, limit, setting)
		}
		return nil
	}
}
