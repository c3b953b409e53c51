package sink

import (
	"strings"

	"github.com/spindlehq/spindle/conf"
)

// transactionsFromApp reads spindle.sink.kafka.transactional (true or
// false; unset means where the brokers support it),
// spindle.sink.kafka.transactionalIdPrefix (default
// spindle-<spark.app.name>-<topic>) and
// spindle.sink.kafka.transaction.timeout.ms into k, with the source
// topics, spindle.kafka.topics.
func transactionsFromApp(a conf.AppConf, k *KafkaConfig) {
	if a.IsSet(conf.KeySinkKafkaTransactional) {
		k.Transactional = TransactionalOff
		if a.Bool(conf.KeySinkKafkaTransactional) {
			k.Transactional = TransactionalOn
		}
	}
	k.TransactionalIDPrefix = DefaultTransactionalIDPrefix(strings.TrimSpace(a.String(conf.KeyAppName)), k.Topic)
	if a.IsSet(conf.KeySinkKafkaTxnIDPrefix) {
		k.TransactionalIDPrefix = strings.TrimSpace(a.String(conf.KeySinkKafkaTxnIDPrefix))
	}
	k.TransactionTimeout = a.Duration(conf.KeySinkKafkaTxnTimeout)
	k.SourceTopics = a.List(conf.KeyKafkaTopics)
}
