package hdfscheckpoint

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"time"

	"go.uber.org/zap"
)

// AsideDirName is the directory of a checkpoint that TruncateAfter moves
// entries into, one sub-directory per truncation named by its time
// (yyyyMMddHHmmss, UTC). A driver never reads it.
const AsideDirName = "_aside"

// Truncation is what TruncateAfter moved.
type Truncation struct {
	// Batches are the batches moved aside, oldest first.
	Batches []int64
	// Aside is the directory they were moved into; its offsets, commits
	// state and blocks sub-directories hold them as the checkpoint did.
	Aside string
}

// TruncateAfter moves every entry of the batches after batch ms aside,
// into <dir>/_aside/<yyyyMMddHHmmss>/ (now, in UTC) under the same
// relative paths, so that the next start resumes after batch ms: as
// deleting the newest offsets and commits files of a Spark checkpoint, but
// nothing is deleted. Batch ms must have an offsets or a commit entry. The
// newest batch is moved first and, within a batch, the commit first, so
// that an interrupted truncation leaves a checkpoint a driver can resume
// from, and running it again finishes it.
func (l *Log) TruncateAfter(ctx context.Context, ms int64, now time.Time) (Truncation, error) {
	c, err := l.newCatalog(ctx)
	if err != nil {
		return Truncation{}, fmt.Errorf("truncate: %w", err)
	}
	if _, ok := slices.BinarySearch(c.batches, ms); !ok {
		return Truncation{}, fmt.Errorf("truncate %s after batch %d: %w: no offsets or commit entry names that batch", l.Name(), ms, ErrNotFound)
	}
	blocks, err := l.listBatches(ctx, blocksDirName, false)
	if err != nil {
		return Truncation{}, fmt.Errorf("truncate: %w", err)
	}
	blocksOf := map[int64]string{}
	var later []int64
	for _, e := range blocks {
		blocksOf[e.ms] = e.path
		if e.ms > ms {
			later = append(later, e.ms)
		}
	}
	for _, b := range append(slices.Clone(c.batches), c.stateBatches...) {
		if b > ms && !slices.Contains(later, b) {
			later = append(later, b)
		}
	}
	slices.Sort(later)
	t := Truncation{Batches: later, Aside: path.Join(l.dir, AsideDirName, now.UTC().Format(asideTimeLayout))}
	if len(later) == 0 {
		return t, nil
	}
	if ok, err := l.store.Exists(ctx, t.Aside); err != nil {
		return Truncation{}, fmt.Errorf("truncate: %w", err)
	} else if ok {
		return Truncation{}, fmt.Errorf("truncate %s: %s: %w (another truncation this second); try again", l.Name(), t.Aside, ErrExists)
	}
	for i := len(later) - 1; i >= 0; i-- {
		b := later[i]
		for _, e := range []struct {
			log  string
			from string
		}{
			{commitsDirName, c.commits[b]},
			{stateDirName, c.states[b]},
			{blocksDirName, blocksOf[b]},
			{offsetsDirName, c.offsets[b]},
		} {
			if e.from == "" {
				continue
			}
			to := path.Join(t.Aside, e.log, strconv.FormatInt(b, 10))
			if err := l.store.Rename(ctx, e.from, to); err != nil {
				return Truncation{}, fmt.Errorf("truncate %s after batch %d: %w", l.Name(), ms, err)
			}
		}
		l.logger.Info("moved checkpoint batch aside", zap.Int64("batchTimeMs", b), zap.String("to", t.Aside))
	}
	return t, nil
}
