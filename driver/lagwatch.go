package driver

import (
	"context"
	"time"

	"github.com/spindlehq/spindle/streaming/kafkasource"
	"go.uber.org/zap"
)

// LagSample is one partition's consumer lag as the lag monitor measured it.
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

// minLagInterval bounds how often the lag is measured while no batch
// completes.
const minLagInterval = time.Second

// lagChecks hands the stream's positions to the lag watcher: where each
// partition's unread records start when a batch starts (its ranges'
// starts) and when it completes (their ends). A check runs beside the
// batches, never in their way: while one runs, only the newest positions
// wait.
type lagChecks struct {
	next chan map[kafkasource.TopicPartition]int64
}

// started asks for a check from the start of batch b's ranges: until b
// commits, its records are not read.
func (l lagChecks) started(b BatchInfo) {
	next := make(map[kafkasource.TopicPartition]int64, len(b.Partitions))
	for _, p := range b.Partitions {
		next[kafkasource.TopicPartition{Topic: p.Topic, Partition: p.Partition}] = p.From
	}
	l.put(next)
}

// request asks for a check of the positions after batch b.
func (l lagChecks) request(b BatchInfo) {
	next := make(map[kafkasource.TopicPartition]int64, len(b.Partitions))
	for _, p := range b.Partitions {
		next[kafkasource.TopicPartition{Topic: p.Topic, Partition: p.Partition}] = p.Until
	}
	l.put(next)
}

// put queues next, replacing an older request not taken yet.
func (l lagChecks) put(next map[kafkasource.TopicPartition]int64) {
	for {
		select {
		case l.next <- next:
			return
		default:
		}
		select {
		case <-l.next:
		default:
		}
	}
}

// watchLag checks the consumer lag with mon at each requested position
// and, while no newer position comes, again every interval (at least
// minLagInterval apart), so that the lag keeps growing in the metrics
// while a batch is stuck. It gives the findings to onLag (which may be
// nil: the monitor still logs its warnings) until ctx ends.
func watchLag(ctx context.Context, mon *kafkasource.LagMonitor, interval time.Duration, onLag func([]LagSample), lg *zap.Logger) lagChecks {
	l := lagChecks{next: make(chan map[kafkasource.TopicPartition]int64, 1)}
	interval = max(interval, minLagInterval)
	go func() {
		var last map[kafkasource.TopicPartition]int64
		again := time.NewTimer(interval)
		defer again.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case last = <-l.next:
			case <-again.C:
			}
			if len(last) > 0 {
				checkLag(ctx, mon, last, onLag, lg)
			}
			again.Reset(interval)
		}
	}()
	return l
}

// checkLag runs one check of positions next and hands on its findings.
func checkLag(ctx context.Context, mon *kafkasource.LagMonitor, next map[kafkasource.TopicPartition]int64, onLag func([]LagSample), lg *zap.Logger) {
	report, err := mon.Check(ctx, next)
	if err != nil && ctx.Err() == nil {
		lg.Warn("check Kafka consumer lag", zap.Error(err))
	}
	if len(report.Partitions) == 0 || onLag == nil {
		return
	}
	samples := make([]LagSample, len(report.Partitions))
	for i, p := range report.Partitions {
		samples[i] = LagSample{Topic: p.Topic, Partition: p.Partition, Records: p.Lag, OldestAge: p.Age, OverRecords: p.OverRecords, OverAge: p.OverAge}
	}
	onLag(samples)
}
