package driver

import (
	"context"
	"time"

	"github.com/spindlehq/spindle/streaming/kafkasource"
	"go.uber.org/zap"
)

// LagSample is one partition's consumer lag as the lag monitor saw it after a batch.
type LagSample struct {
	// Topic and Partition name the partition.
	Topic     string
	Partition int32
	// Records is how many records the stream has not read yet.
	Records int64
	// OldestAge is how old the oldest of those records is.
	OldestAge time.Duration
	// OverRecords and OverAge are set when Records or OldestAge is over
	// the monitor's threshold.
	OverRecords, OverAge bool
}

// lagChecks hands the positions after each batch to the lag watcher. The
// check runs beside the batches, never in their way: while one runs, only
// the newest positions wait.
type lagChecks struct {
	next chan map[kafkasource.TopicPartition]int64
}

// request asks for a check of the positions after batch b.
func (l lagChecks) request(b BatchInfo) {
	next := make(map[kafkasource.TopicPartition]int64, len(b.Partitions))
	for _, p := range b.Partitions {
		next[kafkasource.TopicPartition{Topic: p.Topic, Partition: p.Partition}] = p.Until
	}
	for {
		select {
		case l.next <- next:
			return
		default:
		}
		// Replace an older request that has not been taken yet.
		select {
		case <-l.next:
		default:
		}
	}
}

// watchLag checks the consumer lag of each requested position with mon
// until ctx ends, and gives the findings to onLag (which may be nil: the
// monitor still logs its warnings).
func watchLag(ctx context.Context, mon *kafkasource.LagMonitor, onLag func([]LagSample), lg *zap.Logger) lagChecks {
	l := lagChecks{next: make(chan map[kafkasource.TopicPartition]int64, 1)}
	go func() {
		for {
			var next map[kafkasource.TopicPartition]int64
			select {
			case <-ctx.Done():
				return
			case next = <-l.next:
			}
			report, err := mon.Check(ctx, next)
			if err != nil && ctx.Err() == nil {
				lg.Warn("check Kafka consumer lag", zap.Error(err))
			}
			if len(report.Partitions) == 0 || onLag == nil {
				continue
			}
			samples := make([]LagSample, len(report.Partitions))
			for i, p := range report.Partitions {
				samples[i] = LagSample{Topic: p.Topic, Partition: p.Partition, Records: p.Lag, OldestAge: p.Age, OverRecords: p.OverRecords, OverAge: p.OverAge}
			}
			onLag(samples)
		}
	}()
	return l
}
