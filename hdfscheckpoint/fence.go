package hdfscheckpoint

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/ids"
	"go.uber.org/zap"
)

// ErrFenced is wrapped when an application attempt may no longer write a
// directory because a newer attempt has taken it over.
var ErrFenced = errors.New("hdfscheckpoint: fenced off by a newer attempt")

// FenceDirName is the directory, in a fenced directory, that holds one
// directory per attempt allowed to write there.
const FenceDirName = "_fence"

// retiredDirName holds fence directories of attempts taken over, until
// they are deleted.
const retiredDirName = ".retired"

// Fence makes one application attempt, its epoch, the only writer of a
// directory (a checkpoint, a sink's output), so that an attempt the RM
// has given up on (a zombie: its host cut off from the RM but not from
// the store) cannot write once a newer attempt has started.
//
// Every write of attempt E goes first into <dir>/_fence/E/ and is then
// renamed into place: a file lands only by that rename. Claim, at the
// start of attempt E, creates <dir>/_fence/E, then lists <dir>/_fence and
// renames every older attempt's directory away, or fails if a newer one
// is there. The store (the NameNode, or the kernel for file://) orders
// renames: each rename of attempt D < E either comes before the rename
// of D's directory, and then before Claim returns, so that E sees it in
// everything it reads afterwards; or it comes after and fails, its source
// gone. A directory once moved away is never made again (writes create
// their files without parent directories), and an attempt that creates
// its directory after a newer one claimed finds the newer one when it
// lists and gives up. So once Claim of E has returned, no write of an
// older attempt lands in dir: E may read the directory and trust that
// nothing older is added behind it.
//
// Deletions (Purge) are checked against the fence first, not ordered by
// it: an attempt fenced between its check and its delete may still remove
// an entry older than the retained batches.
type Fence struct {
	store dfs.Publisher
	dir   string
	own   string
	epoch ids.AttemptID
	lg    *zap.Logger
}

// Newer reports whether attempt a is newer than b: a later RM start, a
// later application of the same RM, or a later attempt of the same
// application. A new submission that resumes from an old application's
// checkpoint is newer than every attempt of it.
func Newer(a, b ids.AttemptID) bool {
	if a.App.ClusterTimestamp != b.App.ClusterTimestamp {
		return a.App.ClusterTimestamp > b.App.ClusterTimestamp
	}
	if a.App.Seq != b.App.Seq {
		return a.App.Seq > b.App.Seq
	}
	return a.Attempt > b.Attempt
}

// Join returns attempt epoch's fence of dir without claiming it: the
// writes of an executor of the attempt whose driver claimed dir. A write
// through it fails with ErrFenced when dir has not been claimed by epoch,
// or has been taken over since.
func Join(store dfs.Store, dir string, epoch ids.AttemptID, lg *zap.Logger) (*Fence, error) {
	p, err := dfs.AsPublisher(store)
	if err != nil {
		return nil, err
	}
	clean, err := cleanStorePath(dir)
	if err != nil {
		return nil, fmt.Errorf("fence: %w", err)
	}
	if lg == nil {
		lg = zap.NewNop()
	}
	return &Fence{store: p, dir: clean, own: path.Join(clean, FenceDirName, epoch.String()), epoch: epoch, lg: lg}, nil
}

// Claim makes attempt epoch the writer of dir: older attempts' writes
// fail from its return on. It fails with ErrFenced when a newer attempt
// holds dir.
func Claim(ctx context.Context, store dfs.Store, dir string, epoch ids.AttemptID, lg *zap.Logger) (*Fence, error) {
	f, err := Join(store, dir, epoch, lg)
	if err != nil {
		return nil, err
	}
	if err := f.store.MkdirAll(ctx, f.own); err != nil {
		return nil, fmt.Errorf("fence %s for %s: %w", f.dir, epoch, err)
	}
	infos, err := f.store.List(ctx, path.Join(f.dir, FenceDirName))
	if err != nil {
		return nil, fmt.Errorf("fence %s for %s: %w", f.dir, epoch, err)
	}
	for _, fi := range infos {
		other, err := ids.ParseAttemptID(fi.Name)
		if err != nil || !fi.IsDir || other == epoch {
			continue
		}
		if Newer(other, epoch) {
			return nil, fmt.Errorf("%w: %s belongs to %s, newer than %s; if that attempt no longer runs, remove %s",
				ErrFenced, f.dir, other, epoch, fi.Path)
		}
		if err := f.retire(ctx, fi.Path); err != nil {
			return nil, fmt.Errorf("fence %s for %s: take over from %s: %w", f.dir, epoch, other, err)
		}
		f.lg.Warn("took the directory over from an older attempt; its writes fail from now on",
			zap.String("dir", f.dir), zap.String("attempt", epoch.String()), zap.String("older", other.String()))
	}
	return f, nil
}

// retire renames an attempt's fence directory away, which fails its
// writes, then deletes it.
func (f *Fence) retire(ctx context.Context, p string) error {
	to := path.Join(f.dir, FenceDirName, retiredDirName, path.Base(p)+"."+strconv.FormatInt(time.Now().UnixNano(), 10))
	if err := f.store.Rename(ctx, p, to); err != nil {
		if errors.Is(err, dfs.ErrNotFound) {
			return nil // retired by another attempt meanwhile
		}
		return err
	}
	if err := f.store.Delete(ctx, to); err != nil {
		f.lg.Warn("delete a retired fence directory", zap.String("path", to), zap.Error(err))
	}
	return nil
}

// Epoch is the attempt the fence lets write.
func (f *Fence) Epoch() ids.AttemptID { return f.epoch }

// Dir is the fenced directory.
func (f *Fence) Dir() string { return f.dir }

// WriteFile writes data to p (a path in the fenced directory) atomically,
// replacing a file there, or fails with ErrFenced, leaving p as it was,
// once a newer attempt has claimed the directory.
func (f *Fence) WriteFile(ctx context.Context, p string, data []byte) error {
	_, err := f.WriteFrom(ctx, p, bytes.NewReader(data))
	return err
}

// WriteFrom streams r to p as WriteFile writes its data, and returns the
// bytes written.
func (f *Fence) WriteFrom(ctx context.Context, p string, r io.Reader) (int64, error) {
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	tmp := path.Join(f.own, path.Base(p)+"."+hex.EncodeToString(nonce[:])+".tmp")
	n, err := f.store.CreateIn(ctx, tmp, r)
	if err != nil {
		return n, f.failed(ctx, p, err)
	}
	if err := f.store.MoveOver(ctx, tmp, p); err != nil {
		if errors.Is(err, dfs.ErrOutcomeUnknown) {
			return n, fmt.Errorf("fenced write of %s: %w", p, err)
		}
		_ = f.store.Delete(ctx, tmp)
		return n, f.failed(ctx, p, err)
	}
	return n, nil
}

// failed is the error of a write to p that failed with err: ErrFenced
// when the attempt's directory is gone (a write in flight when it moved
// fails in whatever way the store reports), else err.
func (f *Fence) failed(ctx context.Context, p string, err error) error {
	if errors.Is(err, dfs.ErrNotFound) {
		return f.fenced(ctx, p)
	}
	if ok, serr := f.store.Exists(ctx, f.own); serr == nil && !ok {
		return f.fenced(ctx, p)
	}
	return fmt.Errorf("fenced write of %s: %w", p, err)
}

// Check fails with ErrFenced when the attempt no longer holds the
// directory. It orders nothing: a check that passes may be followed at
// once by a claim of a newer attempt.
func (f *Fence) Check(ctx context.Context) error {
	ok, err := f.store.Exists(ctx, f.own)
	if err != nil {
		return fmt.Errorf("check fence of %s: %w", f.dir, err)
	}
	if !ok {
		return f.fenced(ctx, f.dir)
	}
	return nil
}

// Release gives the directory up at the attempt's clean end, so that the
// next application to use it, whatever its id, may claim it.
func (f *Fence) Release(ctx context.Context) error {
	if err := f.retire(ctx, f.own); err != nil {
		return fmt.Errorf("release fence of %s: %w", f.dir, err)
	}
	return nil
}

// fenced is the error of a write to p refused to the attempt, naming the
// attempts holding the directory now when they can be listed.
func (f *Fence) fenced(ctx context.Context, p string) error {
	var holders []string
	if infos, err := f.store.List(ctx, path.Join(f.dir, FenceDirName)); err == nil {
		for _, fi := range infos {
			if _, err := ids.ParseAttemptID(fi.Name); err == nil && fi.IsDir {
				holders = append(holders, fi.Name)
			}
		}
	}
	return fmt.Errorf("%w: %s may no longer write %s (the directory %s is held by %v)", ErrFenced, f.epoch, p, f.dir, holders)
}

// WithFence returns a copy of l whose writes go through f (an attempt's
// claim of l's directory) and record f's attempt in each entry: once a
// newer attempt has claimed the directory, they fail with ErrFenced.
func (l *Log) WithFence(f *Fence) *Log {
	c := *l
	c.fence = f
	return &c
}
