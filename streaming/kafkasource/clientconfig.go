package kafkasource

import "github.com/IBM/sarama"

// SaramaConfig returns a copy of the sarama configuration the source
// connects with: the spindle.kafka.* client settings (TLS, SASL, version,
// timeouts, client id). Other Kafka clients of the same application, such
// as the Kafka sink, start from it so that they reach the cluster the same
// way; changing the copy leaves c unchanged.
func (c Config) SaramaConfig() *sarama.Config { return c.saramaConfig() }

// ValidateTopic checks a topic name against Kafka's rules; the error wraps
// ErrInvalidConfig and names the topic.
func ValidateTopic(topic string) error { return validateTopic(topic) }
