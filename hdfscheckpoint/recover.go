package hdfscheckpoint

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// Recovery is where a new attempt of a streaming job resumes.
type Recovery struct {
	// LastCommitted is the newest readable commit; nil when no batch has
	// committed.
	LastCommitted *BatchCommit
	// LastCommittedOffsets is the offsets entry of LastCommitted's batch:
	// new batches start at each range's Until. Nil when LastCommitted is nil
	// or its offsets entry is missing or unreadable (logged at WARN).
	LastCommittedOffsets *BatchOffsets
	// Pending is the newest readable offsets entry newer than LastCommitted:
	// a batch that was started but not committed, to be replayed with the
	// same ranges (and batch time) before any new batch. Nil when there is
	// none.
	Pending *BatchOffsets
	// NextBatchTime is the earliest time a new batch may have: one
	// millisecond after the newest batch recovered (pending or committed),
	// so that new batches never reuse a recorded batch time. The zero Time
	// for an empty checkpoint.
	NextBatchTime time.Time
}

// Recover reads the checkpoint and returns where to resume. Entries that are
// truncated, fail their checksum or are of a newer format are skipped with a
// WARN naming the file, and the newest readable one is used; any other
// failure to read the store is returned, because resuming from an older
// batch than the store holds would repeat output.
func (l *Log) Recover(ctx context.Context) (Recovery, error) {
	var rec Recovery
	commits, err := l.listBatches(ctx, commitsDirName, false)
	if err != nil {
		return Recovery{}, fmt.Errorf("recover: %w", err)
	}
	for i := len(commits) - 1; i >= 0; i-- {
		c, err := l.readCommit(ctx, commits[i].ms)
		if err != nil {
			if l.skippable(commits[i].path, err) {
				continue
			}
			return Recovery{}, fmt.Errorf("recover: %w", err)
		}
		rec.LastCommitted = &c
		break
	}

	committedMs := int64(-1)
	if rec.LastCommitted != nil {
		committedMs = rec.LastCommitted.BatchTime.UnixMilli()
	}
	offsets, err := l.listBatches(ctx, offsetsDirName, false)
	if err != nil {
		return Recovery{}, fmt.Errorf("recover: %w", err)
	}
	for i := len(offsets) - 1; i >= 0 && offsets[i].ms > committedMs; i-- {
		o, err := l.readOffsets(ctx, offsets[i].ms)
		if err != nil {
			if l.skippable(offsets[i].path, err) {
				continue
			}
			return Recovery{}, fmt.Errorf("recover: %w", err)
		}
		rec.Pending = &o
		break
	}

	if rec.LastCommitted != nil {
		o, err := l.readOffsets(ctx, committedMs)
		switch {
		case err == nil:
			rec.LastCommittedOffsets = &o
		case errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorruptEntry) || errors.Is(err, ErrNewerFormat):
			l.logger.Warn("committed batch has no readable offsets entry",
				zap.String("path", l.offsetsPath(committedMs)), zap.Error(err))
		default:
			return Recovery{}, fmt.Errorf("recover: %w", err)
		}
	}

	newest := committedMs
	if rec.Pending != nil {
		newest = rec.Pending.BatchTime.UnixMilli()
	}
	if newest >= 0 {
		rec.NextBatchTime = batchTime(newest + 1)
	}
	fields := []zap.Field{zap.Time("nextBatchTime", rec.NextBatchTime)}
	if rec.LastCommitted != nil {
		fields = append(fields, zap.Time("lastCommitted", rec.LastCommitted.BatchTime))
	}
	if rec.Pending != nil {
		fields = append(fields, zap.Time("pending", rec.Pending.BatchTime), zap.Int("pendingRanges", len(rec.Pending.Ranges)))
	}
	l.logger.Info("recovered checkpoint", fields...)
	return rec, nil
}

// skippable reports whether Recover passes over the entry at p after err:
// damaged and newer-format entries are logged and skipped, and so is an
// entry deleted since it was listed.
func (l *Log) skippable(p string, err error) bool {
	switch {
	case errors.Is(err, ErrCorruptEntry) || errors.Is(err, ErrNewerFormat):
		l.logger.Warn("skipping unreadable checkpoint entry", zap.String("path", p), zap.Error(err))
		return true
	case errors.Is(err, ErrNotFound):
		l.logger.Debug("checkpoint entry vanished while recovering", zap.String("path", p))
		return true
	}
	return false
}
