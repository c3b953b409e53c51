package devcluster

import (
	"errors"
	"fmt"

	"github.com/IBM/sarama"
)

// kafkaPublisher writes transactions to a Kafka topic, keyed by store.
type kafkaPublisher struct {
	topic    string
	client   sarama.Client
	producer sarama.SyncProducer
}

func newKafkaPublisher(brokers []string, topic string) (*kafkaPublisher, error) {
	sc := sarama.NewConfig()
	sc.ClientID = "spindle-dev-demo"
	sc.Producer.Return.Successes = true
	sc.Producer.RequiredAcks = sarama.WaitForAll
	sc.Producer.Partitioner = sarama.NewHashPartitioner
	sc.Metadata.Full = false
	client, err := sarama.NewClient(brokers, sc)
	if err != nil {
		return nil, fmt.Errorf("devcluster: connect to Kafka at %v: %w", brokers, err)
	}
	prod, err := sarama.NewSyncProducerFromClient(client)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("devcluster: Kafka producer: %w", err)
	}
	return &kafkaPublisher{topic: topic, client: client, producer: prod}, nil
}

func (k *kafkaPublisher) publish(txns []txn) (map[int]bool, error) {
	msgs := make([]*sarama.ProducerMessage, len(txns))
	index := make(map[*sarama.ProducerMessage]int, len(txns))
	for i, t := range txns {
		msgs[i] = &sarama.ProducerMessage{Topic: k.topic, Key: sarama.StringEncoder(t.key), Value: sarama.StringEncoder(t.value)}
		index[msgs[i]] = i
	}
	err := k.producer.SendMessages(msgs)
	failed := map[int]bool{}
	var perrs sarama.ProducerErrors
	if errors.As(err, &perrs) {
		for _, pe := range perrs {
			failed[index[pe.Msg]] = true
		}
	} else if err != nil {
		for i := range msgs {
			failed[i] = true
		}
	}
	return failed, err
}

func (k *kafkaPublisher) close() error {
	return errors.Join(k.producer.Close(), k.client.Close())
}
