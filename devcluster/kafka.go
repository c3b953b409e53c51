package devcluster

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
)

// defaultPartitions is what topics created on first use get, so that a
// job of one's own can produce to any topic.
const defaultPartitions = 4

// startKafka runs an in-process Kafka broker on 127.0.0.1:port (0: a port
// the OS chooses) with topics created.
func startKafka(port int, topics map[string]int32) (*kfake.Cluster, error) {
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(defaultPartitions)}
	if port != 0 {
		opts = append(opts, kfake.Ports(port))
	}
	k, err := kfake.NewCluster(opts...)
	if err != nil {
		if port != 0 {
			return nil, fmt.Errorf("devcluster: start Kafka on 127.0.0.1:%d: %w", port, errors.Join(ErrPortInUse, err))
		}
		return nil, fmt.Errorf("devcluster: start Kafka: %w", err)
	}
	for name, parts := range topics {
		if err := k.CreateTopic(name, parts, nil); err != nil {
			k.Close()
			return nil, fmt.Errorf("devcluster: create topic %s with %d partitions: %w", name, parts, err)
		}
	}
	return k, nil
}
