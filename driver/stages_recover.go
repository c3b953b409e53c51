package driver

import (
	"context"
	"fmt"
	"strings"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/sdk"
	"go.uber.org/zap"
)

// recover takes up keyed stages where the checkpoint left them: the
// numbers of reduce partitions, each stateful stage's state checkpoints
// as of the last committed batch, and the lineage of the batches after
// the older of them: their offset ranges, from which the map outputs
// that rebuild the state are written again.
func (s *stageRunner) recover(ctx context.Context, log *hdfscheckpoint.Log, rec hdfscheckpoint.Recovery) error {
	if rec.LastCommittedOffsets != nil {
		if err := s.usePartitions(rec.LastCommittedOffsets.Meta); err != nil {
			return err
		}
	} else if len(rec.Replay) > 0 && rec.Replay[0].Meta != nil {
		if err := s.usePartitions(rec.Replay[0].Meta); err != nil {
			return err
		}
	}
	if rec.LastCommitted == nil {
		return nil
	}
	last := rec.LastCommitted.BatchTime.UnixMilli()
	oldest := last
	s.mu.Lock()
	s.lastMs = last
	for _, sp := range s.cfg.Specs {
		if sp.State == sdk.StateNone {
			continue
		}
		var cks []int64
		for _, k := range []string{statCheckpoint, statCheckpointPrev} {
			if ms, ok := rec.LastCommitted.Outputs[k+sp.Name]; ok && ms > 0 {
				cks = append(cks, ms)
			}
		}
		if len(cks) > 0 {
			s.checkpoints[sp.Name] = cks
			oldest = min(oldest, cks[len(cks)-1])
		}
	}
	s.mu.Unlock()
	if oldest == last {
		return nil
	}
	entries, err := log.OffsetsAfter(ctx, oldest, last)
	if err != nil {
		return fmt.Errorf("%w: %w; a keyed stage's state is rebuilt through these batches: raise %s", ErrCannotResume, err, "spindle.checkpoint.retainBatches")
	}
	prev := oldest
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range entries {
		ms := o.BatchTime.UnixMilli()
		chunk, err := metaOffsets(o.Meta, metaChunkOffsets)
		if err != nil {
			return err
		}
		split, err := metaOffsets(o.Meta, metaSplitOffsets)
		if err != nil {
			return err
		}
		b := &batchMaps{ms: ms, prevMs: prev, index: map[string]int{}, chunkOffsets: chunk}
		for i, tr := range splitRanges(o.Ranges, chunk, split) {
			id := tr.taskID()
			b.ranges, b.ids = append(b.ranges, tr), append(b.ids, id)
			b.index[id] = i
		}
		b.outputs = make([]*pb.MapOutput, len(b.ranges))
		s.maps[ms] = b
		prev = ms
	}
	names := make([]string, 0, len(s.checkpoints))
	for n, cks := range s.checkpoints {
		names = append(names, fmt.Sprintf("%s@%v", n, cks))
	}
	s.lg.Info("keyed state resumes from its checkpoints; the batches after them are rebuilt from their offsets when a partition needs them",
		zap.String("checkpoints", strings.Join(names, " ")), zap.Int("batches", len(entries)), zap.Int64("lastCommitted", last))
	return nil
}
