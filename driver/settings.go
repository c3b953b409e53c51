package driver

import (
	"fmt"
	"strings"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver/taskscheduler"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/ratecontrol"
	"github.com/spindlehq/spindle/streaming/sink"
	"go.uber.org/zap"
)

// defaultStopTimeoutBatches is Spark's default graceful stop bound: ten
// batch durations.
const defaultStopTimeoutBatches = 10

// streamingSettings are a Spindle job's streaming settings, built from the
// application's configuration as submit checked and parsed it.
type streamingSettings struct {
	batch          time.Duration
	checkpointDir  string
	retainBatches  int
	marker         string
	markerPoll     time.Duration
	moveCheckpoint bool
	stopTimeout    time.Duration
	concurrentJobs int64
	kafka          kafkasource.Config
	lag            kafkasource.LagMonitorConfig
	rate           ratecontrol.Config
	tasks          taskscheduler.Config
	liveness       Liveness
	chunkOffsets   int64
	minTasks       int
	sink           sink.Config
	// kafkaSource: the application reads Kafka (KafkaSourceSet).
	kafkaSource bool
	receivers   receiverSettings
}

// newStreamingSettings builds the settings and checks how they fit
// together. With readFiles false the Kafka client's ssl.* files are not
// read and the Kafka settings are only checked.
func newStreamingSettings(a conf.AppConf, readFiles bool) (streamingSettings, error) {
	s := streamingSettings{
		batch:          a.Duration(conf.KeyBatchDuration),
		checkpointDir:  a.String(conf.KeyCheckpointDir),
		retainBatches:  int(a.Int(conf.KeyRetainBatches)),
		marker:         a.String(conf.KeyShutdownMarker),
		markerPoll:     a.Duration(conf.KeyMarkerPollInterval),
		moveCheckpoint: a.Bool(conf.KeyMoveCheckpoint),
		stopTimeout:    defaultStopTimeoutBatches * a.Duration(conf.KeyBatchDuration),
		concurrentJobs: a.Int(conf.KeyConcurrentJobs),
		lag:            kafkasource.LagMonitorConfigFromApp(a),
		tasks:          taskscheduler.DefaultConfig(),
	}
	if a.IsSet(conf.KeyGracefulStopTimeout) {
		s.stopTimeout = a.Duration(conf.KeyGracefulStopTimeout)
	}
	if s.checkpointDir == "" {
		return s, fmt.Errorf("driver: no checkpoint dir: set %s (file:///… or hdfs://…)", conf.KeyCheckpointDir)
	}
	s.tasks.LocalityWait = a.Duration(conf.KeyLocalityWait)
	s.tasks.MaxFailures = int(a.Int(conf.KeyTaskMaxFailures))
	s.tasks.TaskTimeout = TaskTimeoutFromApp(a, s.batch)
	s.liveness = LivenessFromApp(a)
	s.chunkOffsets = ChunkOffsets(a.Int(conf.KeyMaxRecordsInFlight))
	s.minTasks = int(a.Int(conf.KeyKafkaMinPartitions))
	if err := s.liveness.Validate(); err != nil {
		return s, err
	}
	var err error
	s.kafkaSource, s.receivers = KafkaSourceSet(a), receiverSettingsFromApp(a)
	switch {
	case !s.kafkaSource && strings.EqualFold(a.String(conf.KeySinkKind), conf.SinkKindKafka):
		return s, fmt.Errorf("driver: %s=%s writes with the Kafka client settings of the Kafka source: set %s and %s, or use the file sink", conf.KeySinkKind, sink.KindKafka, conf.KeyKafkaBootstrapServers, conf.KeyKafkaTopics)
	case !s.kafkaSource:
	case readFiles:
		s.kafka, err = kafkasource.ConfigFromApp(a)
	default:
		err = kafkasource.CheckApp(a)
	}
	if err != nil {
		return s, err
	}
	if s.rate, err = ratecontrol.ConfigFromApp(a, s.batch); err != nil {
		return s, err
	}
	// The executors open the sink; a mistake in its settings is reported
	// here, before any executor starts.
	if s.sink, err = sink.ConfigFromApp(a); err != nil {
		return s, err
	}
	return s, nil
}

// CheckStreaming checks a Spindle job's streaming settings as NewStreaming
// does, except the files named by the Kafka client's ssl.* keys, which
// are read on the cluster's nodes. `spindle submit` calls it so that a
// mistake is refused before the application exists.
func CheckStreaming(a conf.AppConf) error {
	_, err := newStreamingSettings(a, false)
	return err
}

// warnConcurrentJobs says, in the driver's log too, that batches run one
// at a time: each is committed before the next starts, so that outputs,
// state and the consumer group advance in batch order and a replay after a
// restart is a single batch.
func (s streamingSettings) warnConcurrentJobs(lg *zap.Logger) {
	if s.concurrentJobs > 1 {
		lg.Warn("batches run one at a time so that they commit in order; the setting is treated as 1",
			zap.String("key", conf.KeyConcurrentJobs), zap.Int64("value", s.concurrentJobs))
	}
}
