package hdfscheckpoint

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"
)

// Recovery is where a new attempt of a streaming job resumes.
type Recovery struct {
	// LastCommitted is the batch that new work follows: the newest batch
	// whose offsets entry, commit entry and state snapshot can all be read.
	// Nil when no batch qualifies: an empty checkpoint, or one whose first
	// batch never committed.
	LastCommitted *BatchCommit
	// LastCommittedOffsets is LastCommitted's offsets entry: each range's
	// Until is where its partition resumes. Nil exactly when LastCommitted
	// is.
	LastCommittedOffsets *BatchOffsets
	// State is the AllPartitionsState snapshot taken after LastCommitted
	// (empty, not nil, for an empty snapshot); nil when the checkpoint holds
	// no snapshot up to that batch.
	State []byte
	// Replay lists the batches after LastCommitted, oldest first, that run
	// again before any new batch, each under its own batch time so that
	// its outputs replace what it wrote before.
	Replay []ReplayBatch
	// Pending is the newest batch of Replay that never committed, when its
	// ranges are known: the batch in flight when the last attempt ended.
	Pending *BatchOffsets
	// Damaged lists the unreadable entries that Recover came across.
	Damaged []DamagedEntry
	// NextBatchTime is the earliest time a new batch may have: one
	// millisecond after the newest batch any log names, readable or not, so
	// that new batches never reuse a recorded batch time. The zero Time for
	// an empty checkpoint.
	NextBatchTime time.Time
}

// ReplayHow tells where a replayed batch's ranges come from.
type ReplayHow int

const (
	// ReplayRecorded: the ranges are the batch's own offsets entry.
	ReplayRecorded ReplayHow = iota
	// ReplayRebuilt: the batch's offsets entry cannot be read; each range
	// runs from where the batch before ended to where the batch after
	// started, which is what the batch read.
	ReplayRebuilt
	// ReplayToLatest: the batch's offsets entry cannot be read and no batch
	// after it tells where it ended. It runs from where the batch before
	// ended up to the brokers' latest offsets when it is planned, which
	// covers whatever it read before, so that its new outputs replace all
	// of its old ones. Ranges is nil: the driver plans them.
	ReplayToLatest
)

// ReplayBatch is a batch that a new attempt runs again.
type ReplayBatch struct {
	// BatchTime is the batch's time.
	BatchTime time.Time
	// Ranges are what it reads; nil for ReplayToLatest.
	Ranges []OffsetRange
	// How tells where Ranges come from.
	How ReplayHow
	// Committed is set when the batch's commit entry can be read: it ran
	// to its end before, and runs again because an entry of an earlier
	// batch that the resume needs cannot be read.
	Committed bool
	// Damaged is the unreadable offsets entry of a ReplayRebuilt or
	// ReplayToLatest batch.
	Damaged string
	// Meta is the meta of a ReplayRecorded batch's offsets entry: what
	// the driver recorded to run it the same way again.
	Meta map[string]string
}

// Recover reads the checkpoint and returns where to resume. Entries that
// are truncated, fail their checksum or have a newer format are passed over
// with a WARN naming the file:
//
//   - the resume point is the newest batch whose offsets, commit and state
//     snapshot are all readable (a batch needs no snapshot when no batch up
//     to it has one, or when the newest before it is empty);
//   - every batch after it runs again, oldest first: with the ranges of
//     its offsets entry when that can be read; otherwise, from where the
//     batch before ended to where the batch after started or, for the
//     newest batch, up to the brokers' latest offsets.
//
// When that leaves a batch whose start or end is unknown, or batches
// committed but none resumable, Recover refuses with a *RecoveryError
// (wrapping ErrDamagedCheckpoint) that names the entries and the way out:
// it never starts from spindle.kafka.auto.offset.reset while the checkpoint
// holds batches. Any other failure to read the store is returned too,
// because resuming from an older batch than the store holds would repeat
// output.
func (l *Log) Recover(ctx context.Context) (Recovery, error) {
	c, err := l.newCatalog(ctx)
	if err != nil {
		return Recovery{}, fmt.Errorf("recover: %w", err)
	}
	rec, err := c.recover(ctx)
	if err != nil {
		var re *RecoveryError
		if errors.As(err, &re) {
			l.logger.Error("cannot resume from the checkpoint", zap.Error(err))
			return Recovery{}, err
		}
		return Recovery{}, fmt.Errorf("recover: %w", err)
	}
	fields := []zap.Field{zap.Time("nextBatchTime", rec.NextBatchTime), zap.Int("replay", len(rec.Replay))}
	if rec.LastCommitted != nil {
		fields = append(fields, zap.Time("lastCommitted", rec.LastCommitted.BatchTime))
	}
	if rec.Pending != nil {
		fields = append(fields, zap.Time("pending", rec.Pending.BatchTime), zap.Int("pendingRanges", len(rec.Pending.Ranges)))
	}
	l.logger.Info("recovered checkpoint", fields...)
	return rec, nil
}

// recover decides where to resume from what c holds; see Recover.
func (c *catalog) recover(ctx context.Context) (Recovery, error) {
	var rec Recovery
	if n := c.newest(); n >= 0 {
		rec.NextBatchTime = batchTime(n + 1)
	}
	after := c.batches
	var ends map[partitionKey]int64 // where the batch before the next replay ended; nil while unknown
	keep := int64(-1)               // the newest batch with known ends
	for i := len(c.batches) - 1; i >= 0; i-- {
		ok, err := c.resumeFrom(ctx, c.batches[i], &rec)
		if err != nil {
			return Recovery{}, err
		}
		if ok {
			after = c.batches[i+1:]
			ends = rangeEnds(rec.LastCommittedOffsets.Ranges)
			keep = c.batches[i]
			break
		}
	}
	if rec.LastCommitted == nil && len(c.commits) > 0 {
		return Recovery{}, c.refuse(-1, "no committed batch can be resumed from: none has a readable offsets entry, commit entry and state snapshot ("+c.foundList()+")")
	}
	for i, ms := range after {
		rb := ReplayBatch{BatchTime: batchTime(ms)}
		if _, listed := c.commits[ms]; listed {
			if _, err := c.commitOf(ctx, ms); err == nil {
				rb.Committed = true
			} else if !unreadable(err) {
				return Recovery{}, err
			}
		}
		o, err := c.offsetsOf(ctx, ms)
		switch {
		case err == nil:
			rb.Ranges, rb.How, rb.Meta = o.Ranges, ReplayRecorded, o.Meta
		case !unreadable(err):
			return Recovery{}, err
		case ends == nil:
			return Recovery{}, c.refuse(keep, fmt.Sprintf("batch %d is the oldest this checkpoint holds and its offsets entry cannot be read (%v): where it started reading is unknown", ms, err))
		case i == len(after)-1:
			rb.How, rb.Damaged = ReplayToLatest, c.l.offsetsPath(ms)
		default:
			next, nerr := c.offsetsOf(ctx, after[i+1])
			if nerr != nil && !unreadable(nerr) {
				return Recovery{}, nerr
			}
			if nerr != nil {
				return Recovery{}, c.refuse(keep, fmt.Sprintf("the offsets entries of batch %d (%v) and of batch %d after it (%v) cannot be read: where batch %d ended is unknown", ms, err, after[i+1], nerr, ms))
			}
			ranges, why := bridge(ends, next.Ranges)
			if why != "" {
				return Recovery{}, c.refuse(keep, fmt.Sprintf("the offsets entry of batch %d cannot be read (%v) and %s, so its ranges cannot be rebuilt", ms, err, why))
			}
			rb.Ranges, rb.How, rb.Damaged = ranges, ReplayRebuilt, c.l.offsetsPath(ms)
		}
		if rb.How != ReplayToLatest {
			ends, keep = rangeEnds(rb.Ranges), ms
		}
		rec.Replay = append(rec.Replay, rb)
	}
	for i := len(rec.Replay) - 1; i >= 0; i-- {
		if rb := rec.Replay[i]; !rb.Committed && rb.How != ReplayToLatest {
			rec.Pending = &BatchOffsets{BatchTime: rb.BatchTime, Ranges: rb.Ranges, Meta: rb.Meta}
			break
		}
	}
	rec.Damaged = c.found
	return rec, nil
}

// resumeFrom reports whether batch ms can be resumed from and, if so, fills
// rec's LastCommitted, LastCommittedOffsets and State.
func (c *catalog) resumeFrom(ctx context.Context, ms int64, rec *Recovery) (bool, error) {
	if _, listed := c.commits[ms]; !listed {
		return false, nil // never committed: not a finding
	}
	commit, err := c.commitOf(ctx, ms)
	if err != nil {
		return false, ignoreUnreadable(err)
	}
	offsets, err := c.offsetsOf(ctx, ms)
	if err != nil {
		return false, ignoreUnreadable(err)
	}
	state, err := c.stateAfter(ctx, ms)
	if err != nil {
		return false, ignoreUnreadable(err)
	}
	rec.LastCommitted, rec.LastCommittedOffsets, rec.State = &commit, &offsets, state
	return true, nil
}

// stateAfter returns the AllPartitionsState snapshot that holds the state
// after batch ms, nil when no batch up to ms has a snapshot. A driver
// snapshots every batch that has state or new values, so a batch without
// one, after a batch whose snapshot is empty, has an empty state too; after
// one whose snapshot is not empty (or when the Log cannot tell, see
// WithEmptyState) its snapshot was lost, and the error wraps ErrNotFound.
func (c *catalog) stateAfter(ctx context.Context, ms int64) ([]byte, error) {
	i, found := slices.BinarySearch(c.stateBatches, ms)
	switch {
	case found:
		return c.stateOf(ctx, ms)
	case i == 0:
		return nil, nil // no snapshot yet
	}
	if c.l.emptyState != nil {
		older, err := c.stateOf(ctx, c.stateBatches[i-1])
		if err != nil && !unreadable(err) {
			return nil, err
		}
		if err == nil && c.l.emptyState(older) {
			return older, nil
		}
	}
	return c.stateOf(ctx, ms) // not found: remembered as a finding
}

// ignoreUnreadable drops an error that only says an entry cannot be read.
func ignoreUnreadable(err error) error {
	if unreadable(err) {
		return nil
	}
	return err
}

// partitionKey names one partition in a batch's ranges.
type partitionKey struct {
	topic     string
	partition int32
}

// rangeEnds maps each partition to where its range ends.
func rangeEnds(ranges []OffsetRange) map[partitionKey]int64 {
	out := make(map[partitionKey]int64, len(ranges))
	for _, r := range ranges {
		out[partitionKey{r.Topic, r.Partition}] = r.Until
	}
	return out
}

// bridge rebuilds the ranges of a batch from where the batch before it
// ended (ends) and where the batch after it started (next), or says why
// it cannot: both must name the same partitions, as they do when no
// partition was added or topic changed between them.
func bridge(ends map[partitionKey]int64, next []OffsetRange) ([]OffsetRange, string) {
	if len(next) != len(ends) {
		return nil, fmt.Sprintf("the batches around it read %d and %d partitions", len(ends), len(next))
	}
	out := make([]OffsetRange, 0, len(next))
	for _, r := range next {
		from, ok := ends[partitionKey{r.Topic, r.Partition}]
		switch {
		case !ok:
			return nil, fmt.Sprintf("the batch after it reads %s-%d, which the batch before did not", r.Topic, r.Partition)
		case from > r.From:
			return nil, fmt.Sprintf("the batch after it starts %s-%d at %d, before the batch before it ended (%d)", r.Topic, r.Partition, r.From, from)
		}
		out = append(out, OffsetRange{Topic: r.Topic, Partition: r.Partition, From: from, Until: r.From})
	}
	return out, ""
}
