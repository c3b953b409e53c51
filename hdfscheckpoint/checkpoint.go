package hdfscheckpoint

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/conf"
	"go.uber.org/zap"
)

// DefaultRetainBatches is how many batches Purge keeps in each log when
// NewLog is given 0 (the application key spindle.checkpoint.retainBatches
// sets it).
const DefaultRetainBatches = 100

// Sub-directories of a checkpoint directory, one per log.
const (
	offsetsDirName = "offsets"
	commitsDirName = "commits"
	stateDirName   = "state"
	blocksDirName  = "blocks"
)

// Log is a streaming job's checkpoint in a directory of a Store:
//
//	<dir>/offsets/<batchTimeMs>          what batch <batchTimeMs> reads
//	<dir>/commits/<batchTimeMs>          batch <batchTimeMs>'s output is done
//	<dir>/state/<batchTimeMs>/<name>     keyed-state snapshot after the batch
//
// A driver writes a batch's offsets before it processes the batch, its state
// snapshots after, and its commit last; Recover then tells a new attempt
// which batch to replay with the same ranges. Every file is written
// atomically and checksummed (see FormatVersion). A Log holds no mutable
// state and is safe for concurrent use.
type Log struct {
	store  Store
	dir    string
	uri    string // names the checkpoint in errors when set (WithURI)
	retain int
	logger *zap.Logger
	// emptyState tells an empty state snapshot (WithEmptyState).
	emptyState func([]byte) bool
	// fence, when set, makes every write an attempt's fenced write
	// (WithFence).
	fence *Fence
}

// NewLog returns the Log in dir (an absolute path within store). Purge keeps
// retainBatches batches of each log; 0 means DefaultRetainBatches. A nil
// logger logs nothing.
func NewLog(store Store, dir string, retainBatches int, logger *zap.Logger) (*Log, error) {
	if store == nil {
		return nil, errors.New("hdfscheckpoint: new log: nil store")
	}
	clean, err := cleanStorePath(dir)
	if err != nil {
		return nil, fmt.Errorf("new log: checkpoint directory: %w", err)
	}
	if retainBatches < 0 {
		return nil, fmt.Errorf("hdfscheckpoint: new log %s: %s is %d, must be positive", clean, conf.KeyRetainBatches, retainBatches)
	}
	if retainBatches == 0 {
		retainBatches = DefaultRetainBatches
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	return &Log{
		store:  store,
		dir:    clean,
		retain: retainBatches,
		logger: logger.With(zap.String("checkpoint", clean)),
	}, nil
}

// Dir returns the checkpoint directory.
func (l *Log) Dir() string { return l.dir }

// RetainBatches returns how many batches Purge keeps in each log.
func (l *Log) RetainBatches() int { return l.retain }

// WithURI returns a copy of l that names its checkpoint by uri (such as
// hdfs://nn:8020/checkpoints/retail) in errors, so that the way out they
// give can be run as it stands.
func (l *Log) WithURI(uri string) *Log {
	c := *l
	c.uri = uri
	return &c
}

// WithEmptyState returns a copy of l that tells an empty state snapshot by
// isEmpty, which must not fail on any input. A driver writes no snapshot
// for a batch that has neither state nor new values, so Recover takes a
// batch without a snapshot, after one whose snapshot is empty, as having
// an empty state; without isEmpty it cannot tell, and resumes from an
// older batch instead.
func (l *Log) WithEmptyState(isEmpty func([]byte) bool) *Log {
	c := *l
	c.emptyState = isEmpty
	return &c
}

// Name is the checkpoint's URI when the Log knows it (WithURI), else its
// directory in the store.
func (l *Log) Name() string {
	if l.uri != "" {
		return l.uri
	}
	return l.dir
}

func (l *Log) offsetsPath(ms int64) string {
	return path.Join(l.dir, offsetsDirName, strconv.FormatInt(ms, 10))
}

func (l *Log) commitPath(ms int64) string {
	return path.Join(l.dir, commitsDirName, strconv.FormatInt(ms, 10))
}

func (l *Log) stateDir(ms int64) string {
	return path.Join(l.dir, stateDirName, strconv.FormatInt(ms, 10))
}

// batchFile is one entry of a log directory.
type batchFile struct {
	ms   int64
	path string
}

// listBatches returns the entries of log directory sub named by a batch
// time, oldest first; dirs selects directories (the state log) rather than
// files. Other names, such as a store's temporary files, are ignored. A
// missing directory is an empty log.
func (l *Log) listBatches(ctx context.Context, sub string, dirs bool) ([]batchFile, error) {
	infos, err := l.store.List(ctx, path.Join(l.dir, sub))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s log of %s: %w", sub, l.dir, err)
	}
	out := make([]batchFile, 0, len(infos))
	for _, fi := range infos {
		if fi.IsDir != dirs {
			continue
		}
		ms, ok := parseBatchName(fi.Name)
		if !ok {
			continue
		}
		out = append(out, batchFile{ms: ms, path: path.Join(l.dir, sub, fi.Name)})
	}
	// Names sort as strings in the store; batch times must sort as numbers.
	sort.Slice(out, func(i, j int) bool { return out[i].ms < out[j].ms })
	return out, nil
}

// parseBatchName reads a canonical non-negative decimal, so that "0100" and
// "100" cannot both name one batch.
func parseBatchName(name string) (int64, bool) {
	ms, err := strconv.ParseInt(name, 10, 64)
	if err != nil || ms < 0 || strconv.FormatInt(ms, 10) != name {
		return 0, false
	}
	return ms, true
}

// batchMillis converts a batch time to the milliseconds that name its files.
func batchMillis(t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, fmt.Errorf("%w: zero batch time", ErrInvalidBatch)
	}
	ms := t.UnixMilli()
	if ms < 0 {
		return 0, fmt.Errorf("%w: batch time %s is before 1970", ErrInvalidBatch, t.Format(time.RFC3339Nano))
	}
	return ms, nil
}

// batchTime converts file-name milliseconds back to a time, in UTC so that
// recovered times compare and print the same on every host.
func batchTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// readEntry reads and decodes the entry at p and checks that it is of kind
// and names batch ms.
func (l *Log) readEntry(ctx context.Context, p, kind string, ms int64) (record, error) {
	data, err := l.store.ReadFile(ctx, p)
	if err != nil {
		return record{}, fmt.Errorf("read %s entry: %w", kind, err)
	}
	r, err := decodeEntry(data)
	if err != nil {
		return record{}, fmt.Errorf("read %s entry %s: %w", kind, p, err)
	}
	if r.Kind != kind {
		return record{}, fmt.Errorf("read %s entry %s: %w: holds a %s entry", kind, p, ErrCorruptEntry, r.Kind)
	}
	if r.BatchTimeMs != ms {
		return record{}, fmt.Errorf("read %s entry %s: %w: records batch %d", kind, p, ErrCorruptEntry, r.BatchTimeMs)
	}
	return r, nil
}

// writeEntry encodes r and writes it atomically to p; through the fence,
// with its attempt recorded, when the Log has one.
func (l *Log) writeEntry(ctx context.Context, p string, r record) error {
	if l.fence != nil {
		r.Epoch = l.fence.Epoch().String()
	}
	data, err := encodeEntry(r)
	if err != nil {
		return fmt.Errorf("write %s entry %s: %w: %v", r.Kind, p, ErrInvalidBatch, err)
	}
	write := l.store.WriteFile
	if l.fence != nil {
		write = l.fence.WriteFile
	}
	if err := write(ctx, p, data); err != nil {
		return fmt.Errorf("write %s entry: %w", r.Kind, err)
	}
	return nil
}
