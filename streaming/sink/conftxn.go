package sink

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spindlehq/spindle/streaming/kafkasource"
)

// keyAppName is Spark's application name, part of the default
// transactional id prefix.
const keyAppName = "spark.app.name"

// maxTransactionTimeout is Kafka's default transaction.max.timeout.ms: a
// broker refuses a longer transaction timeout unless configured otherwise.
const maxTransactionTimeout = 15 * time.Minute

// transactionsFromConf reads spindle.sink.kafka.transactional (true or
// false; unset means where the brokers support it),
// spindle.sink.kafka.transactionalIdPrefix (default
// spindle-<spark.app.name>-<topic>) and
// spindle.sink.kafka.transaction.timeout.ms (default 60000) into k, with
// the source topics, spindle.kafka.topics.
func transactionsFromConf(conf map[string]string, k *KafkaConfig) error {
	if v, ok := conf[KeyKafkaTransactional]; ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			k.Transactional = TransactionalOn
		case "false":
			k.Transactional = TransactionalOff
		default:
			return fmt.Errorf("%w: %s=%q: must be true or false (leave it out to use transactions where the brokers support them)", ErrInvalidConfig, KeyKafkaTransactional, v)
		}
	}
	k.TransactionalIDPrefix = DefaultTransactionalIDPrefix(strings.TrimSpace(conf[keyAppName]), k.Topic)
	if v, ok := conf[KeyKafkaTransactionalIDPrefix]; ok {
		k.TransactionalIDPrefix = strings.TrimSpace(v)
		if k.TransactionalIDPrefix == "" || strings.ContainsFunc(k.TransactionalIDPrefix, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return fmt.Errorf("%w: %s=%q: must be a non-empty name without control characters", ErrInvalidConfig, KeyKafkaTransactionalIDPrefix, v)
		}
	}
	if v, ok := conf[KeyKafkaTransactionTimeout]; ok {
		ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || ms < 1000 || time.Duration(ms)*time.Millisecond > maxTransactionTimeout {
			return fmt.Errorf("%w: %s=%q: must be a whole number of milliseconds from 1000 to %d (the brokers' transaction.max.timeout.ms default)", ErrInvalidConfig, KeyKafkaTransactionTimeout, v, maxTransactionTimeout.Milliseconds())
		}
		k.TransactionTimeout = time.Duration(ms) * time.Millisecond
	}
	k.SourceTopics = kafkasource.ParseTopics(conf[kafkasource.KeyTopics])
	return nil
}
