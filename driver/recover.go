package driver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"go.uber.org/zap"
)

// ErrCannotResume is wrapped by Run's error when the checkpoint cannot be
// resumed from as it stands: entries it needs are damaged, a state
// snapshot is of a format this build cannot read, or a batch that must run
// again can no longer be read whole from Kafka. Another attempt would fail
// the same way, so the application should fail at once with the error as
// its diagnostics rather than be retried.
var ErrCannotResume = errors.New("driver: cannot resume from the checkpoint, and another attempt would fail the same way")

// recover reads the checkpoint and restores the positions and keyed state
// of the batch it resumes from.
func (e *Engine) recover(ctx context.Context) (hdfscheckpoint.Recovery, error) {
	rec, err := e.cfg.Log.WithEmptyState(isEmptyState).Recover(ctx)
	switch {
	case errors.Is(err, hdfscheckpoint.ErrDamagedCheckpoint):
		return rec, fmt.Errorf("%w: %w", ErrCannotResume, err)
	case err != nil:
		return rec, fmt.Errorf("driver: recover from checkpoint %s: %w", e.cfg.Log.Name(), err)
	}
	if rec.LastCommittedOffsets != nil {
		for _, r := range rec.LastCommittedOffsets.Ranges {
			e.next[kafkasource.TopicPartition{Topic: r.Topic, Partition: r.Partition}] = r.Until
		}
	}
	if e.stages != nil {
		if err := e.stages.recover(ctx, e.cfg.Log, rec); err != nil {
			return rec, err
		}
	}
	if rec.State == nil {
		return rec, nil
	}
	at := rec.LastCommitted.BatchTime
	state, err := decodeState(rec.State)
	if err != nil {
		return rec, fmt.Errorf("%w %s: the state snapshot of batch %d (%s): %w; run a build of the job that reads it", ErrCannotResume, e.cfg.Log.Name(), at.UnixMilli(), at.Format(time.RFC3339Nano), err)
	}
	e.state = state
	e.lg.Info("state restored", zap.Time("batch", at), zap.Int("keys", len(state)))
	return rec, nil
}

// replay runs the batches rec.Replay lists, oldest first, each under its
// own batch time so that its outputs replace what it wrote before.
func (e *Engine) replay(ctx context.Context, rec hdfscheckpoint.Recovery) error {
	after := int64(-1) // the batch the next replay follows
	if rec.LastCommitted != nil {
		after = rec.LastCommitted.BatchTime.UnixMilli()
	}
	for _, rb := range rec.Replay {
		fields := []zap.Field{zap.Time("batch", rb.BatchTime), zap.Int("ranges", len(rb.Ranges)), zap.Bool("committed", rb.Committed)}
		// A batch whose offsets entry is lost runs with the chunk size
		// configured now, which its rewritten entry records.
		pl := plannedBatch{replay: true, chunkOffsets: e.cfg.ChunkOffsets, blocks: e.replayBlocks[rb.BatchTime.UnixMilli()]}
		ranges := rb.Ranges
		switch rb.How {
		case hdfscheckpoint.ReplayRecorded:
			var err error
			if pl.chunkOffsets, err = metaOffsets(rb.Meta, metaChunkOffsets); err != nil {
				return fmt.Errorf("driver: replay batch %s: %w", rb.BatchTime.Format(time.RFC3339Nano), err)
			}
			if pl.splitOffsets, err = metaOffsets(rb.Meta, metaSplitOffsets); err != nil {
				return fmt.Errorf("driver: replay batch %s: %w", rb.BatchTime.Format(time.RFC3339Nano), err)
			}
			if rb.Committed {
				e.lg.Info("replaying committed batch: the state or ranges of the batch before it could not be read", fields...)
			} else {
				e.lg.Info("replaying uncommitted batch", fields...)
			}
		case hdfscheckpoint.ReplayRebuilt:
			e.lg.Warn("replaying batch with ranges rebuilt from the batches around it: its offsets entry cannot be read", append(fields, zap.String("damaged", rb.Damaged))...)
			pl.rewrite = true
		case hdfscheckpoint.ReplayToLatest:
			e.lg.Warn("running batch again up to the latest offsets: its offsets entry cannot be read, so where it ended is unknown", append(fields, zap.String("damaged", rb.Damaged))...)
			if e.cfg.Planner == nil {
				ranges, pl.rewrite = nil, true // no Kafka: nothing to plan
				break
			}
			blocks := pl.blocks
			var err error
			if ranges, pl, err = e.planToLatest(ctx, rb, after); err != nil {
				return err
			}
			pl.blocks = blocks
		}
		if err := e.runBatch(ctx, rb.BatchTime, ranges, pl); err != nil {
			return err
		}
		after = rb.BatchTime.UnixMilli()
	}
	return nil
}

// planToLatest plans a ReplayToLatest batch: every partition from where
// the batch before ended (or, for a partition that batch did not read, per
// auto.offset.reset) up to the brokers' latest offset, without the rate
// limits, so that the batch reads at least what it read before.
func (e *Engine) planToLatest(ctx context.Context, rb hdfscheckpoint.ReplayBatch, after int64) ([]hdfscheckpoint.OffsetRange, plannedBatch, error) {
	start := time.Now()
	plan, err := e.cfg.Planner.Plan(ctx, kafkasource.PlanInput{Current: e.next, BatchDuration: e.cfg.BatchDuration})
	if err != nil {
		return nil, plannedBatch{}, fmt.Errorf("driver: plan batch %s again: %w", rb.BatchTime.Format(time.RFC3339Nano), err)
	}
	if len(plan.OutOfRange) > 0 {
		ev := plan.OutOfRange[0]
		return nil, plannedBatch{}, fmt.Errorf("%w %s: batch %d must run again from where batch %d ended, as its offsets entry %s cannot be read, but the brokers no longer hold %s-%d from offset %d (the earliest is %d), so its outputs cannot be written whole again; "+
			"resume after batch %d with `spindle checkpoint -truncate-after %d %s` (see docs/checkpoints.md)",
			ErrCannotResume, e.cfg.Log.Name(), rb.BatchTime.UnixMilli(), after, rb.Damaged, ev.Topic, ev.Partition, ev.Offset, ev.Earliest, after, after, e.cfg.Log.Name())
	}
	ranges := make([]hdfscheckpoint.OffsetRange, 0, len(plan.Ranges))
	for _, r := range plan.Ranges {
		ranges = append(ranges, hdfscheckpoint.OffsetRange{Topic: r.Topic, Partition: r.Partition, From: r.From, Until: plan.Latest[r.TopicPartition()]})
	}
	plan.Lag = 0
	return ranges, plannedBatch{plan: plan, planned: start, replay: true, rewrite: true, chunkOffsets: e.cfg.ChunkOffsets}, nil
}
