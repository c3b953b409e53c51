package driver

import (
	"fmt"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/wal"
)

// receiverSettings are the settings of a job's receivers and their
// write-ahead logs.
type receiverSettings struct {
	wal           bool
	rolling       time.Duration
	walFailures   int
	metaRolling   time.Duration
	metaFailures  int
	batching      bool
	recordTimeout time.Duration
	blockInterval time.Duration
	maxRate       int64
	restartDelay  time.Duration
	maxFailures   int
	executorCores int64
}

func receiverSettingsFromApp(a conf.AppConf) receiverSettings {
	return receiverSettings{
		wal:           a.Bool(conf.KeyReceiverWAL),
		rolling:       time.Duration(a.Int(conf.KeyReceiverWALRolling)) * time.Second,
		walFailures:   int(a.Int(conf.KeyReceiverWALMaxFailures)),
		metaRolling:   time.Duration(a.Int(conf.KeyDriverWALRolling)) * time.Second,
		metaFailures:  int(a.Int(conf.KeyDriverWALMaxFailures)),
		batching:      a.Bool(conf.KeyDriverWALAllowBatching),
		recordTimeout: a.Duration(conf.KeyDriverWALBatchingTimeout),
		blockInterval: a.Duration(conf.KeyBlockInterval),
		maxRate:       a.Int(conf.KeyReceiverMaxRate),
		restartDelay:  a.Duration(conf.KeyReceiverRestartDelay),
		maxFailures:   int(a.Int(conf.KeyReceiverMaxFailures)),
		executorCores: a.Int(conf.KeyExecutorCores),
	}
}

// ReceiverWALConfig is the wal.Config of the receivers' log for an
// application (without its store and directory): executors write blocks
// with it.
func ReceiverWALConfig(a conf.AppConf) wal.Config {
	s := receiverSettingsFromApp(a)
	cfg := wal.DefaultConfig()
	cfg.RollingInterval, cfg.MaxFailures = s.rolling, s.walFailures
	return cfg
}

// receiversConfig is the engine's ReceiversConfig for streams, with the
// driver's log w (nil when the write-ahead log is off).
func (s receiverSettings) receiversConfig(streams []sdk.ReceiverInfo, w *wal.Log) *ReceiversConfig {
	if len(streams) == 0 {
		return nil
	}
	return &ReceiversConfig{Streams: streams, WAL: w, BlockInterval: s.blockInterval, MaxRate: s.maxRate,
		RestartDelay: s.restartDelay, MaxFailures: s.maxFailures, Batching: s.batching, RecordTimeout: s.recordTimeout}
}

// check refuses receivers that could never have their blocks processed:
// without the write-ahead log a block is read only on the executor whose
// memory holds it, the one running its receiver, so that executor needs a
// core for the block's task besides the receiver's.
func (s receiverSettings) check(receivers int) error {
	if receivers == 0 || s.wal || s.executorCores >= 2 {
		return nil
	}
	return fmt.Errorf("%w: the job has %d receivers, %s is false and %s is %d: without the write-ahead log a receiver's blocks are processed on its own executor, "+
		"which then needs a core besides the receiver's; set %s to 2 or more, or %s=true", ErrNoRetry, receivers, conf.KeyReceiverWAL, conf.KeyExecutorCores, s.executorCores,
		conf.KeyExecutorCores, conf.KeyReceiverWAL)
}

// errNoInput says what a job that reads nothing lacks.
func errNoInput() error {
	return fmt.Errorf("%w: the job has no receivers (sdk.Receiving) and %s is not set: a Spindle job reads Kafka topics, its receivers, or both", ErrNoRetry, conf.KeyKafkaTopics)
}

// KafkaSourceSet reports whether the application reads Kafka: a job with
// receivers may set neither spindle.kafka.topics nor
// spindle.kafka.bootstrap.servers.
func KafkaSourceSet(a conf.AppConf) bool {
	return a.IsSet(conf.KeyKafkaTopics) || a.IsSet(conf.KeyKafkaBootstrapServers)
}
