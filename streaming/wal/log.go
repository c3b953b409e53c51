package wal

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"go.uber.org/zap"
)

// Directories of the logs within the checkpoint directory, Spark's names.
const (
	DataDirName     = "receivedData"
	MetadataDirName = "receivedBlockMetadata"
)

// Config configures a Log.
type Config struct {
	// Store holds the logs.
	Store dfs.Store
	// Dir is the checkpoint directory within Store.
	Dir string
	// RollingInterval is how much time each log directory covers
	// (rollingIntervalSecs).
	RollingInterval time.Duration
	// MaxFailures is how many times a write is tried (maxFailures).
	MaxFailures int
	// Logger receives the log's warnings.
	Logger *zap.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// DefaultConfig returns Spark's defaults: a minute per directory, three
// tries per write.
func DefaultConfig() Config {
	return Config{RollingInterval: time.Minute, MaxFailures: 3, Logger: zap.NewNop()}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.Store == nil || c.Dir == "" {
		return errors.New("wal: a log needs a store and a directory")
	}
	if c.RollingInterval <= 0 || c.MaxFailures < 1 {
		return fmt.Errorf("wal: rolling interval %v and max failures %d must be positive", c.RollingInterval, c.MaxFailures)
	}
	return nil
}

// Log is the receivers' and the driver's write-ahead logs in a checkpoint
// directory. It is safe for concurrent use.
type Log struct {
	cfg Config
	dir string
}

// New returns the logs under cfg.Dir.
func New(cfg Config) (*Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	dir, err := dfs.CleanPath(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Log{cfg: cfg, dir: dir}, nil
}

// rollingDir is the name of the directory that files written at t go to.
func (l *Log) rollingDir(t time.Time) string {
	iv := l.cfg.RollingInterval.Milliseconds()
	start := t.UnixMilli() / iv * iv
	return fmt.Sprintf("log-%d-%d", start, start+iv)
}

// WriteBlock writes b to the receivers' log and returns its path once
// the file is whole and closed, trying up to MaxFailures times.
func (l *Log) WriteBlock(ctx context.Context, b Block) (string, error) {
	data, err := EncodeBlock(b)
	if err != nil {
		return "", err
	}
	p := path.Join(l.dir, DataDirName, strconv.Itoa(b.StreamID), l.rollingDir(l.cfg.Now()), b.ID)
	return p, l.write(ctx, "block "+b.ID, p, data)
}

// ReadBlock reads the block at p, which must be in the receivers' log.
func (l *Log) ReadBlock(ctx context.Context, p string) (Block, error) {
	clean, err := dfs.CleanPath(p)
	if err != nil || !strings.HasPrefix(clean, path.Join(l.dir, DataDirName)+"/") {
		return Block{}, fmt.Errorf("wal: block path %q is not in %s", p, path.Join(l.dir, DataDirName))
	}
	data, err := l.cfg.Store.ReadFile(ctx, clean)
	if err != nil {
		return Block{}, fmt.Errorf("wal: read block: %w", err)
	}
	b, err := DecodeBlock(data)
	if err != nil {
		return Block{}, fmt.Errorf("wal: block %s: %w", clean, err)
	}
	if b.ID != path.Base(clean) {
		return Block{}, fmt.Errorf("wal: block %s: %w: holds block %s", clean, ErrCorrupt, b.ID)
	}
	return b, nil
}

// WriteMetadata records infos in the driver's log, in one file named by
// their first and last sequence numbers.
func (l *Log) WriteMetadata(ctx context.Context, infos []BlockInfo) (string, error) {
	data, err := EncodeMetadata(infos)
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("%d-%d", infos[0].Seq, infos[len(infos)-1].Seq)
	p := path.Join(l.dir, MetadataDirName, l.rollingDir(l.cfg.Now()), name)
	return p, l.write(ctx, fmt.Sprintf("records of %d blocks", len(infos)), p, data)
}

// write writes data to p atomically, up to MaxFailures times.
func (l *Log) write(ctx context.Context, what, p string, data []byte) error {
	var err error
	for try := 1; try <= l.cfg.MaxFailures; try++ {
		if err = l.cfg.Store.WriteFile(ctx, p, data); err == nil {
			return nil
		}
		if ctx.Err() != nil {
			break
		}
		l.cfg.Logger.Warn("write-ahead log write failed", zap.String("what", what), zap.String("path", p), zap.Int("try", try), zap.Int("maxFailures", l.cfg.MaxFailures), zap.Error(err))
		if try < l.cfg.MaxFailures {
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(try) * 100 * time.Millisecond):
			}
		}
	}
	return fmt.Errorf("wal: write %s to %s: %w", what, p, err)
}

// MetadataFile is one file of the driver's log.
type MetadataFile struct {
	Path string
	// LastSeq is the sequence number of its last block.
	LastSeq uint64
}

// ReadMetadata reads the driver's log: every block record, in sequence
// order, and its files. A file that cannot be read fails it, naming the
// file: the blocks it records were acknowledged to their sources.
func (l *Log) ReadMetadata(ctx context.Context) ([]BlockInfo, []MetadataFile, error) {
	dirs, err := l.list(ctx, path.Join(l.dir, MetadataDirName))
	if err != nil {
		return nil, nil, err
	}
	var infos []BlockInfo
	var files []MetadataFile
	for _, d := range dirs {
		if !d.IsDir {
			continue
		}
		entries, err := l.list(ctx, d.Path)
		if err != nil {
			return nil, nil, err
		}
		for _, f := range entries {
			if f.IsDir || strings.HasPrefix(f.Name, ".") {
				continue // a store's temporary file
			}
			data, err := l.cfg.Store.ReadFile(ctx, f.Path)
			if err != nil {
				return nil, nil, fmt.Errorf("wal: read block metadata: %w", err)
			}
			got, err := DecodeMetadata(data)
			if err != nil {
				return nil, nil, fmt.Errorf("wal: block metadata %s: %w", f.Path, err)
			}
			infos = append(infos, got...)
			files = append(files, MetadataFile{Path: f.Path, LastSeq: got[len(got)-1].Seq})
		}
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Seq < infos[j].Seq })
	return infos, files, nil
}

// list lists dir; a missing one is empty.
func (l *Log) list(ctx context.Context, dir string) ([]dfs.FileInfo, error) {
	fis, err := l.cfg.Store.List(ctx, dir)
	if errors.Is(err, dfs.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wal: list %s: %w", dir, err)
	}
	return fis, nil
}

// Delete removes files of either log, then the log directories that are
// left empty and whose interval has passed, whatever its length.
func (l *Log) Delete(ctx context.Context, paths []string) error {
	dirs := map[string]bool{}
	for _, p := range paths {
		clean, err := dfs.CleanPath(p)
		if err != nil || !strings.HasPrefix(clean, l.dir+"/") {
			return fmt.Errorf("wal: %q is not in the logs of %s", p, l.dir)
		}
		if err := l.cfg.Store.Delete(ctx, clean); err != nil {
			return fmt.Errorf("wal: delete %s: %w", clean, err)
		}
		dirs[path.Dir(clean)] = true
	}
	now := l.cfg.Now().UnixMilli()
	for d := range dirs {
		var start, end int64
		if n, _ := fmt.Sscanf(path.Base(d), "log-%d-%d", &start, &end); n != 2 || end > now {
			continue // not a log directory, or one still written to
		}
		left, err := l.list(ctx, d)
		if err != nil {
			return err
		}
		if len(left) == 0 {
			if err := l.cfg.Store.Delete(ctx, d); err != nil {
				return fmt.Errorf("wal: delete %s: %w", d, err)
			}
		}
	}
	return nil
}
