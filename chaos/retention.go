package chaos

import (
	"context"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
)

// retentionInterval is how often records the job has committed are
// deleted from Kafka.
const retentionInterval = 30 * time.Second

// kafkaSegmentBytes is the in-process Kafka's log.segment.bytes: at 2,000
// transactions per second over 6 partitions a segment fills in about a
// minute, so a run holds a few minutes of transactions at most.
const kafkaSegmentBytes = 8 << 20

// trimCommitted deletes from k the records of topic below the ranges of
// the checkpoint's last committed batch, as Kafka's retention would, so
// that a long run does not keep every transaction in memory. A replay
// starts at those offsets, so nothing the job may still read goes.
func trimCommitted(ctx context.Context, k *kfake.Cluster, log *hdfscheckpoint.Log, lg *zap.Logger) {
	rec, err := log.Recover(ctx)
	if err != nil || rec.LastCommittedOffsets == nil {
		if err != nil {
			lg.Warn("read the checkpoint for retention", zap.Error(err))
		}
		return
	}
	for _, r := range rec.LastCommittedOffsets.Ranges {
		if r.Topic != topic || r.Until <= 0 {
			continue
		}
		if err := k.DeleteRecords(r.Topic, r.Partition, r.Until); err != nil {
			lg.Warn("delete committed records", zap.String("topic", r.Topic), zap.Int32("partition", r.Partition), zap.Int64("below", r.Until), zap.Error(err))
		}
	}
}

// retentionLoop trims every retentionInterval until ctx ends.
func retentionLoop(ctx context.Context, k *kfake.Cluster, ckptURI string, lg *zap.Logger) {
	store, dir, err := dfs.Open(ctx, ckptURI)
	if err != nil {
		lg.Warn("open the checkpoint for retention", zap.String("checkpoint", ckptURI), zap.Error(err))
		return
	}
	defer store.Close()
	log, err := hdfscheckpoint.NewLog(store, dir, 0, zap.NewNop())
	if err != nil {
		lg.Warn("open the checkpoint for retention", zap.String("checkpoint", ckptURI), zap.Error(err))
		return
	}
	tick := time.NewTicker(retentionInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			trimCommitted(ctx, k, log, lg)
		}
	}
}
