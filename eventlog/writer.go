package eventlog

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spindlehq/spindle/appmaster/streamingui"
	"github.com/spindlehq/spindle/dfs"
	"go.uber.org/zap"
)

// Names inside a log's directory.
const (
	dirPrefix       = "eventlog_v2_"
	segmentPrefix   = "events_"
	statusRunning   = "appstatus.inprogress"
	statusCompleted = "appstatus"
)

// WriterConfig configures a Writer.
type WriterConfig struct {
	// Store and Dir are where logs go (spark.eventLog.dir).
	Store dfs.Store
	Dir   string
	// App is the application and attempt the log is of.
	App streamingui.AppInfo
	// FlushInterval is how often pending events are written as a segment.
	FlushInterval time.Duration
	// MaxSegments is how many segments a log keeps before they are
	// compacted into one snapshot.
	MaxSegments int
	// Snapshot returns everything the pages show, for compaction.
	Snapshot func() streamingui.Snapshot
	Logger   *zap.Logger
}

// DefaultWriterConfig flushes every 5 s and compacts past 24 segments.
func DefaultWriterConfig() WriterConfig {
	return WriterConfig{FlushInterval: 5 * time.Second, MaxSegments: 24}
}

// Validate reports the first unusable field.
func (c WriterConfig) Validate() error {
	switch {
	case c.Store == nil || c.Dir == "":
		return errors.New("eventlog: no store or directory (spark.eventLog.dir)")
	case c.App.AppID == "" || c.App.Attempt < 1:
		return fmt.Errorf("eventlog: application %q attempt %d: want an application id and an attempt number", c.App.AppID, c.App.Attempt)
	case c.FlushInterval <= 0 || c.MaxSegments < 2:
		return fmt.Errorf("eventlog: flush interval %v and max segments %d: want a positive interval and at least 2 segments", c.FlushInterval, c.MaxSegments)
	case c.Snapshot == nil:
		return errors.New("eventlog: no snapshot function for compaction")
	}
	return nil
}

// LogDir is the directory of an application attempt's log under dir.
func LogDir(dir, appID string, attempt int64) string {
	return path.Join(dir, dirPrefix+appID+"_"+strconv.FormatInt(attempt, 10))
}

// Writer appends events to an application attempt's log. Add never
// blocks on the store: events wait in memory until the next flush.
type Writer struct {
	cfg WriterConfig
	dir string
	lg  *zap.Logger

	mu       sync.Mutex
	pending  []Event
	seq      int
	segments []string
	closed   bool
}

// NewWriter creates the log's directory, marks it running and records
// the application's start.
func NewWriter(ctx context.Context, cfg WriterConfig) (*Writer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	w := &Writer{cfg: cfg, dir: LogDir(cfg.Dir, cfg.App.AppID, cfg.App.Attempt), lg: lg}
	if err := cfg.Store.MkdirAll(ctx, w.dir); err != nil {
		return nil, fmt.Errorf("eventlog: create %s: %w", w.dir, err)
	}
	// A new attempt with the same number (an RM restart) starts over.
	if old, err := cfg.Store.List(ctx, w.dir); err == nil {
		for _, f := range old {
			if strings.HasPrefix(f.Name, segmentPrefix) {
				cfg.Store.Delete(ctx, f.Path)
			}
		}
	}
	cfg.Store.Delete(ctx, path.Join(w.dir, statusCompleted))
	if err := cfg.Store.WriteFile(ctx, path.Join(w.dir, statusRunning), []byte(cfg.App.AppID+"\n")); err != nil {
		return nil, fmt.Errorf("eventlog: mark %s running: %w", w.dir, err)
	}
	app := cfg.App
	w.Add(Event{Event: EventApplicationStart, App: &app})
	return w, nil
}

// Dir is the log's directory.
func (w *Writer) Dir() string { return w.dir }

// Add queues an event; its Time is set when zero.
func (w *Writer) Add(ev Event) {
	if w == nil {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.pending = append(w.pending, ev)
	}
}

// Run flushes every FlushInterval until ctx ends.
func (w *Writer) Run(ctx context.Context) {
	t := time.NewTicker(w.cfg.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := w.Flush(ctx); err != nil {
				w.lg.Warn("write event log segment", zap.String("dir", w.dir), zap.Error(err))
			}
		}
	}
}

// Flush writes the pending events as the next segment, compacting the
// log first when it has MaxSegments. Events that fail to be written stay
// pending for the next flush.
func (w *Writer) Flush(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked(ctx)
}

func (w *Writer) flushLocked(ctx context.Context) error {
	if len(w.pending) == 0 {
		return nil
	}
	if len(w.segments) >= w.cfg.MaxSegments {
		if err := w.compactLocked(ctx); err != nil {
			return err
		}
	}
	if err := w.writeSegmentLocked(ctx, w.pending); err != nil {
		return err
	}
	w.pending = nil
	return nil
}

func (w *Writer) writeSegmentLocked(ctx context.Context, evs []Event) error {
	data, err := encodeSegment(evs)
	if err != nil {
		return err
	}
	name := path.Join(w.dir, fmt.Sprintf("%s%09d", segmentPrefix, w.seq+1))
	if err := w.cfg.Store.WriteFile(ctx, name, data); err != nil {
		return fmt.Errorf("eventlog: write %s: %w", name, err)
	}
	w.seq++
	w.segments = append(w.segments, name)
	return nil
}

// compactLocked replaces every segment with one snapshot of what the
// pages show. The pending events are in the snapshot already (the
// listener saw them first), so they are dropped with the old segments.
func (w *Writer) compactLocked(ctx context.Context) error {
	snap := w.cfg.Snapshot()
	old := w.segments
	w.segments = nil
	if err := w.writeSegmentLocked(ctx, []Event{{Event: EventSnapshot, Time: time.Now(), Snapshot: &snap}}); err != nil {
		w.segments = old
		return err
	}
	w.pending = w.pending[:0]
	for _, s := range old {
		if err := w.cfg.Store.Delete(ctx, s); err != nil {
			w.lg.Warn("delete compacted event log segment", zap.String("segment", s), zap.Error(err))
		}
	}
	return nil
}

// Close records the application's end, writes what is pending and marks
// the log complete.
func (w *Writer) Close(ctx context.Context, ended time.Time) error {
	if w == nil {
		return nil
	}
	app := w.cfg.App
	app.Ended = ended
	w.Add(Event{Event: EventApplicationEnd, Time: ended, App: &app})
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if err := w.flushLocked(ctx); err != nil {
		return err
	}
	if err := w.cfg.Store.WriteFile(ctx, path.Join(w.dir, statusCompleted), []byte(app.AppID+"\n")); err != nil {
		return fmt.Errorf("eventlog: mark %s complete: %w", w.dir, err)
	}
	return w.cfg.Store.Delete(ctx, path.Join(w.dir, statusRunning))
}
