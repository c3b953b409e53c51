package hdfscheckpoint

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"

	"go.uber.org/zap"
)

// catalog is what a checkpoint's three logs hold, by batch, with each entry
// read at most once: Recover reads only the entries it needs, newest first;
// Inspect reads them all.
type catalog struct {
	l       *Log
	offsets map[int64]string // batch → its offsets entry
	commits map[int64]string // batch → its commit entry
	states  map[int64]string // batch → its state directory
	// batches are the batches with an offsets or a commit entry, oldest
	// first; a state directory alone is not a batch.
	batches []int64
	// stateBatches are the batches with a state directory, oldest first.
	stateBatches []int64
	reads        map[string]entryRead
	// found lists the entries read so far that could not be, in the
	// order they were read.
	found []DamagedEntry
}

// entryRead is the outcome of reading one entry: a record, or an error.
type entryRead struct {
	rec record
	err error
}

// DamagedEntry is a checkpoint entry that cannot be read.
type DamagedEntry struct {
	// Path is the entry's path in the store.
	Path string
	// Err says what is wrong: it wraps ErrCorruptEntry, ErrNewerFormat or,
	// for an entry that a batch needs and lacks, ErrNotFound.
	Err error
}

// unreadable reports whether err leaves an entry unusable without being a
// failure of the store itself: damaged, of a newer format, or absent.
func unreadable(err error) bool {
	return errors.Is(err, ErrCorruptEntry) || errors.Is(err, ErrNewerFormat) || errors.Is(err, ErrNotFound)
}

// newCatalog lists the offsets, commits and state logs.
func (l *Log) newCatalog(ctx context.Context) (*catalog, error) {
	c := &catalog{l: l, offsets: map[int64]string{}, commits: map[int64]string{}, states: map[int64]string{}, reads: map[string]entryRead{}}
	for _, lg := range []struct {
		name string
		dirs bool
		into map[int64]string
	}{
		{offsetsDirName, false, c.offsets},
		{commitsDirName, false, c.commits},
		{stateDirName, true, c.states},
	} {
		entries, err := l.listBatches(ctx, lg.name, lg.dirs)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			lg.into[e.ms] = e.path
		}
	}
	seen := map[int64]bool{}
	for _, m := range []map[int64]string{c.offsets, c.commits} {
		for ms := range m {
			if !seen[ms] {
				seen[ms] = true
				c.batches = append(c.batches, ms)
			}
		}
	}
	slices.Sort(c.batches)
	for ms := range c.states {
		c.stateBatches = append(c.stateBatches, ms)
	}
	slices.Sort(c.stateBatches)
	return c, nil
}

// newest is the newest batch time any log names, -1 for an empty
// checkpoint. New batches must be later, even than entries that cannot be
// read.
func (c *catalog) newest() int64 {
	n := int64(-1)
	if len(c.batches) > 0 {
		n = c.batches[len(c.batches)-1]
	}
	if len(c.stateBatches) > 0 {
		n = max(n, c.stateBatches[len(c.stateBatches)-1])
	}
	return n
}

// offsetsOf reads batch ms's offsets entry. An error for which unreadable
// is true means the entry is damaged or absent; any other is the store's.
func (c *catalog) offsetsOf(ctx context.Context, ms int64) (BatchOffsets, error) {
	r, err := c.read(ctx, kindOffsets, ms, c.offsets[ms], c.l.offsetsPath(ms))
	if err != nil {
		return BatchOffsets{}, err
	}
	return r.batchOffsets(), nil
}

// commitOf reads batch ms's commit entry, as offsetsOf.
func (c *catalog) commitOf(ctx context.Context, ms int64) (BatchCommit, error) {
	r, err := c.read(ctx, kindCommit, ms, c.commits[ms], c.l.commitPath(ms))
	if err != nil {
		return BatchCommit{}, err
	}
	return r.batchCommit(), nil
}

// stateOf reads every snapshot in batch ms's state directory, as
// offsetsOf, and returns its AllPartitionsState one: nil when it has none,
// empty and non-nil when it is empty. A batch without any snapshot is
// unreadable as a missing AllPartitionsState snapshot.
func (c *catalog) stateOf(ctx context.Context, ms int64) ([]byte, error) {
	sts, err := c.stateStatuses(ctx, ms)
	if err != nil {
		return nil, err
	}
	for _, st := range sts {
		if st.Err != nil {
			return nil, st.Err
		}
	}
	r, ok := c.reads[path.Join(c.l.stateDir(ms), AllPartitionsState)]
	if !ok {
		return nil, nil
	}
	if r.rec.Data == nil {
		return []byte{}, nil
	}
	return r.rec.Data, nil
}

// stateStatuses reads each snapshot of batch ms's state directory; a batch
// without any has one status: its AllPartitionsState snapshot, not found.
func (c *catalog) stateStatuses(ctx context.Context, ms int64) ([]EntryStatus, error) {
	var names []string
	if _, ok := c.states[ms]; ok {
		var err error
		if names, err = c.l.StateNames(ctx, batchTime(ms)); err != nil {
			return nil, err
		}
	}
	if len(names) == 0 {
		p := path.Join(c.l.stateDir(ms), AllPartitionsState)
		_, err := c.read(ctx, kindState, ms, "", p)
		return []EntryStatus{{Path: p, Err: err}}, nil
	}
	out := make([]EntryStatus, 0, len(names))
	for _, name := range names {
		p := path.Join(c.l.stateDir(ms), name)
		_, err := c.read(ctx, kindState, ms, p, p)
		if err != nil && !unreadable(err) {
			return nil, err
		}
		out = append(out, EntryStatus{Path: p, Err: err})
	}
	return out, nil
}

// read reads the entry of kind for batch ms once. listed is its path when
// its log lists it, "" when absent: then the error wraps ErrNotFound and
// names want. Unreadable entries are remembered in found.
func (c *catalog) read(ctx context.Context, kind string, ms int64, listed, want string) (record, error) {
	p := listed
	if p == "" {
		p = want
	}
	if r, ok := c.reads[p]; ok {
		return r.rec, r.err
	}
	var r record
	var err error
	if listed == "" {
		err = fmt.Errorf("%s entry %s: %w", kind, want, ErrNotFound)
	} else {
		r, err = c.l.readEntry(ctx, listed, kind, ms)
		if err == nil && kind == kindState && r.Name != path.Base(listed) {
			err = fmt.Errorf("read state entry %s: %w: holds snapshot %q", listed, ErrCorruptEntry, r.Name)
		}
		if err != nil && !unreadable(err) {
			return record{}, err // the store failed: not a finding about the entry
		}
	}
	if err != nil {
		switch {
		case listed == "":
		case errors.Is(err, ErrNotFound):
			c.l.logger.Debug("checkpoint entry vanished while recovering", zap.String("path", p))
		default:
			c.l.logger.Warn("skipping unreadable checkpoint entry", zap.String("path", p), zap.Error(err))
		}
		c.found = append(c.found, DamagedEntry{Path: p, Err: err})
	}
	c.reads[p] = entryRead{rec: r, err: err}
	return r, err
}
