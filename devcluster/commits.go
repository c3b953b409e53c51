package devcluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"path"
	"slices"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"go.uber.org/zap"
)

// ErrBadCommit: a commits log entry that cannot be read.
var ErrBadCommit = errors.New("devcluster: bad commit entry")

// Commit is one entry of a checkpoint's commits log: a completed batch and
// the statistics the streaming driver records with it.
type Commit struct {
	// BatchTime is the batch's time.
	BatchTime time.Time
	// Records were read, Outputs written and Rejected sent to the dead
	// letters.
	Records, Outputs, Rejected int64
	// Processing is how long the batch took; Scheduling how late it started.
	Processing, Scheduling time.Duration
	// RateLimit is the backpressure limit it was planned with, in records
	// per second (0: none).
	RateLimit int64
	// Lag is what Kafka held beyond the batch when it was planned.
	Lag int64
}

// commitsDir is the commits log's directory in a checkpoint directory.
const commitsDir = "commits"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ParseCommit reads a commits log entry: a version line "v1", a JSON body
// {"kind":"commit","batchTimeMs":…,"outputs":{"records":…,…}} and
// "crc32c <hex>" over the first two lines. Unknown body fields and
// statistics are ignored, as the format allows; missing statistics are 0.
func ParseCommit(data []byte) (Commit, error) {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) != 4 || len(lines[3]) != 0 || !bytes.HasSuffix(lines[2], []byte("\n")) {
		return Commit{}, fmt.Errorf("%w: want 3 lines (version, body, checksum), got %q", ErrBadCommit, clip(data))
	}
	if string(lines[0]) != "v1\n" {
		return Commit{}, fmt.Errorf("%w: version line %q: this build reads v1", ErrBadCommit, clip(lines[0]))
	}
	sumText, ok := bytes.CutPrefix(bytes.TrimSuffix(lines[2], []byte("\n")), []byte("crc32c "))
	want, err := strconv.ParseUint(string(sumText), 16, 32)
	if !ok || len(sumText) != 8 || err != nil {
		return Commit{}, fmt.Errorf("%w: checksum line %q", ErrBadCommit, clip(lines[2]))
	}
	head := data[:len(lines[0])+len(lines[1])]
	if got := crc32.Checksum(head, castagnoli); got != uint32(want) {
		return Commit{}, fmt.Errorf("%w: checksum mismatch (stored %08x, computed %08x)", ErrBadCommit, want, got)
	}
	var body struct {
		Kind        string           `json:"kind"`
		BatchTimeMs int64            `json:"batchTimeMs"`
		Outputs     map[string]int64 `json:"outputs"`
	}
	if err := json.Unmarshal(lines[1], &body); err != nil {
		return Commit{}, fmt.Errorf("%w: body: %v", ErrBadCommit, err)
	}
	if body.Kind != "commit" {
		return Commit{}, fmt.Errorf("%w: a %q entry, not a commit", ErrBadCommit, body.Kind)
	}
	if body.BatchTimeMs < 0 {
		return Commit{}, fmt.Errorf("%w: batch time %d ms is before 1970", ErrBadCommit, body.BatchTimeMs)
	}
	o := body.Outputs
	return Commit{
		BatchTime:  time.UnixMilli(body.BatchTimeMs),
		Records:    o["records"],
		Outputs:    o["outputs"],
		Rejected:   o["rejected"],
		Processing: time.Duration(o["processingMs"]) * time.Millisecond,
		Scheduling: time.Duration(o["schedulingMs"]) * time.Millisecond,
		RateLimit:  o["rateLimit"],
		Lag:        o["lag"],
	}, nil
}

// clip shortens b for an error message.
func clip(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "…"
	}
	return string(b)
}

// CommitWatcher follows a checkpoint's commits log.
type CommitWatcher struct {
	store dfs.Store
	dir   string
	last  int64
	lg    *zap.Logger
}

// NewCommitWatcher follows the commits log of the checkpoint at uri
// (file:// or hdfs://), from its first entry.
func NewCommitWatcher(ctx context.Context, uri string, lg *zap.Logger) (*CommitWatcher, error) {
	store, dir, err := dfs.Open(ctx, uri)
	if err != nil {
		return nil, fmt.Errorf("devcluster: checkpoint %s: %w", uri, err)
	}
	if lg == nil {
		lg = zap.NewNop()
	}
	return &CommitWatcher{store: store, dir: dir, last: -1, lg: lg}, nil
}

// Poll returns the commits written since the last Poll, oldest first. A
// missing log is empty; an entry that cannot be read is logged and skipped.
func (w *CommitWatcher) Poll(ctx context.Context) ([]Commit, error) {
	infos, err := w.store.List(ctx, path.Join(w.dir, commitsDir))
	if errors.Is(err, dfs.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("devcluster: list the commits log of %s: %w", w.dir, err)
	}
	var names []int64
	for _, fi := range infos {
		ms, err := strconv.ParseInt(fi.Name, 10, 64)
		// Temporary files of atomic writes start with a dot.
		if fi.IsDir || err != nil || ms <= w.last || strconv.FormatInt(ms, 10) != fi.Name {
			continue
		}
		names = append(names, ms)
	}
	slices.Sort(names)
	var out []Commit
	for _, ms := range names {
		p := path.Join(w.dir, commitsDir, strconv.FormatInt(ms, 10))
		raw, err := w.store.ReadFile(ctx, p)
		if errors.Is(err, dfs.ErrNotFound) {
			continue // purged since it was listed
		}
		if err != nil {
			return out, fmt.Errorf("devcluster: read commit %s: %w", p, err)
		}
		w.last = ms
		c, err := ParseCommit(raw)
		if err != nil {
			w.lg.Warn("skipping unreadable commit entry", zap.String("path", p), zap.Error(err))
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// Close releases the store.
func (w *CommitWatcher) Close() error { return w.store.Close() }
