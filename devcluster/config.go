package devcluster

import (
	"errors"
	"fmt"
	"io"
	"time"

	"go.uber.org/zap"
)

// Fixed ports of a dev cluster without RandomPorts: YARN's defaults for
// the RM, so that `spindle application -list` and friends find it with no
// configuration, and Kafka's default.
const (
	RMClientPort  = 8032
	RMTrackerPort = 8031
	RMWebPort     = 8088
	KafkaPort     = 9092
)

// DefaultTopic is the topic a dev cluster creates and the demo produces to.
const DefaultTopic = "transactions"

// Config shapes a dev cluster.
type Config struct {
	// Dir holds everything the cluster writes: daemons' state and logs,
	// checkpoints, sink output, staging, and a client conf dir. It is
	// emptied at start when an earlier dev cluster left it; a directory
	// with other files in it is refused (ErrNotDevDir).
	Dir string
	// Binary is the spindle binary the daemons run.
	Binary string
	// NodeManagers is how many NMs to start.
	NodeManagers int
	// RMs is how many ResourceManagers to start: 1, or an odd number for
	// an HA group replicating its state with Raft.
	RMs int
	// NMMemory is each NM's yarn.nodemanager.resource.memory-mb (e.g. "4g").
	NMMemory string
	// NMVCores is each NM's yarn.nodemanager.resource.cpu-vcores.
	NMVCores int
	// RandomPorts binds every daemon and Kafka to ports the OS chooses;
	// otherwise the RM takes 8032, 8031 and 8088 and Kafka 9092.
	RandomPorts bool
	// Hosts runs the RM, each NM, Kafka and the HDFS each on a test host
	// of its own (internal/netns: network namespaces on a bridge, each
	// with its own address; needs root), instead of all on 127.0.0.1.
	Hosts bool
	// HDFS starts an in-process HDFS (a NameNode and a DataNode, on its
	// own host with Hosts) for checkpoints.
	HDFS bool
	// KafkaSegmentBytes is Kafka's log.segment.bytes (0: kfake's default);
	// small segments let deleted records free their memory.
	KafkaSegmentBytes int
	// DaemonConf are extra KEY=VALUE settings of every daemon.
	DaemonConf []string
	// RMConf are extra KEY=VALUE settings of the ResourceManager.
	RMConf []string
	// Topics are created in Kafka: name → partitions.
	Topics map[string]int32
	// StartTimeout bounds how long each daemon may take to serve.
	StartTimeout time.Duration
	// StopTimeout bounds how long each daemon may take to stop after
	// SIGTERM before it is killed.
	StopTimeout time.Duration
	// Out receives the lines a person reads (addresses, progress).
	Out io.Writer
	// Logger receives the cluster's own log.
	Logger *zap.Logger
}

// DefaultConfig is two NMs of 4 GiB and 4 vcores under ./spindle-dev, with
// a 4-partition transactions topic.
func DefaultConfig() Config {
	return Config{
		Dir:          "spindle-dev",
		NodeManagers: 2,
		RMs:          1,
		NMMemory:     "4g",
		NMVCores:     4,
		Topics:       map[string]int32{DefaultTopic: 4},
		StartTimeout: 30 * time.Second,
		StopTimeout:  30 * time.Second,
		Out:          io.Discard,
		Logger:       zap.NewNop(),
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.Dir == "":
		return errors.New("devcluster: no directory")
	case c.Binary == "":
		return errors.New("devcluster: no spindle binary for the daemons")
	case checkRMs(c.RMs) != nil:
		return checkRMs(c.RMs)
	case c.RMs > 1 && c.Hosts:
		return fmt.Errorf("devcluster: an HA group of %d ResourceManagers runs on this machine only: leave out --hosts or run 1 RM", c.RMs)
	case c.NodeManagers < 1:
		return fmt.Errorf("devcluster: %d NodeManagers: want at least 1", c.NodeManagers)
	case c.NMMemory == "":
		return errors.New("devcluster: no NodeManager memory")
	case c.NMVCores < 1:
		return fmt.Errorf("devcluster: %d vcores per NodeManager: want at least 1", c.NMVCores)
	case c.StartTimeout <= 0 || c.StopTimeout <= 0:
		return errors.New("devcluster: start and stop timeouts must be positive")
	case c.KafkaSegmentBytes < 0:
		return fmt.Errorf("devcluster: Kafka segment of %d bytes: want 0 (the default) or more", c.KafkaSegmentBytes)
	}
	for name, parts := range c.Topics {
		if name == "" || parts < 1 {
			return fmt.Errorf("devcluster: topic %q with %d partitions: want a name and at least 1 partition", name, parts)
		}
	}
	return nil
}
