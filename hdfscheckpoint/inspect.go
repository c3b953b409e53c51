package hdfscheckpoint

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Inspection is every entry of a checkpoint, whether it can be read, and
// what a driver starting on the checkpoint would do.
type Inspection struct {
	// Checkpoint names the checkpoint: its URI when the Log knows it.
	Checkpoint string
	// Batches lists every batch that any log names, oldest first.
	Batches []BatchEntries
	// Recovery is what Recover returns, when it does not refuse.
	Recovery Recovery
	// RecoverErr is Recover's refusal, a *RecoveryError; nil when a start
	// resumes.
	RecoverErr error
}

// BatchEntries is what the logs hold for one batch.
type BatchEntries struct {
	// BatchTime is the batch's time.
	BatchTime time.Time
	// Offsets and Commit are the batch's entries in those logs.
	Offsets, Commit EntryStatus
	// State has one status per snapshot in the batch's state directory;
	// none when the batch has no directory.
	State []EntryStatus
}

// EntryStatus is one entry and whether it can be read.
type EntryStatus struct {
	// Path is the entry's path in the store; "" when its log has none for
	// the batch.
	Path string
	// Err is nil when the entry can be read; otherwise it wraps
	// ErrCorruptEntry, ErrNewerFormat or (a state directory without a
	// snapshot) ErrNotFound.
	Err error
}

// Damaged lists the entries of in that cannot be read, oldest batch first.
func (in Inspection) Damaged() []DamagedEntry {
	var out []DamagedEntry
	for _, b := range in.Batches {
		for _, e := range append([]EntryStatus{b.Offsets, b.Commit}, b.State...) {
			if e.Path != "" && e.Err != nil {
				out = append(out, DamagedEntry{Path: e.Path, Err: e.Err})
			}
		}
	}
	return out
}

// Inspect reads every entry of the checkpoint, as `spindle checkpoint
// -verify` shows them, and decides what Recover would. Unreadable entries
// and a refusal to resume are findings, in the Inspection; only a failure
// of the store is an error.
func (l *Log) Inspect(ctx context.Context) (Inspection, error) {
	c, err := l.newCatalog(ctx)
	if err != nil {
		return Inspection{}, fmt.Errorf("inspect: %w", err)
	}
	in := Inspection{Checkpoint: l.Name()}
	all := slices.Clone(c.batches)
	for _, ms := range c.stateBatches {
		if _, ok := slices.BinarySearch(c.batches, ms); !ok {
			all = append(all, ms)
		}
	}
	slices.Sort(all)
	for _, ms := range all {
		b := BatchEntries{BatchTime: batchTime(ms)}
		if p, ok := c.offsets[ms]; ok {
			_, err := c.offsetsOf(ctx, ms)
			if b.Offsets, err = entryStatus(p, err); err != nil {
				return Inspection{}, fmt.Errorf("inspect: %w", err)
			}
		}
		if p, ok := c.commits[ms]; ok {
			_, err := c.commitOf(ctx, ms)
			if b.Commit, err = entryStatus(p, err); err != nil {
				return Inspection{}, fmt.Errorf("inspect: %w", err)
			}
		}
		if _, ok := c.states[ms]; ok {
			if b.State, err = c.stateStatuses(ctx, ms); err != nil {
				return Inspection{}, fmt.Errorf("inspect: %w", err)
			}
		}
		in.Batches = append(in.Batches, b)
	}
	in.Recovery, err = c.recover(ctx)
	var re *RecoveryError
	switch {
	case errors.As(err, &re):
		in.Recovery, in.RecoverErr = Recovery{}, err
	case err != nil:
		return Inspection{}, fmt.Errorf("inspect: %w", err)
	}
	return in, nil
}

// entryStatus turns a read's error into a status: unreadable entries are
// findings, anything else is returned.
func entryStatus(p string, err error) (EntryStatus, error) {
	if err != nil && !unreadable(err) {
		return EntryStatus{}, err
	}
	return EntryStatus{Path: p, Err: err}, nil
}
