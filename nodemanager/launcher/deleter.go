package launcher

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Deleter removes directory trees some time after they are scheduled, as
// YARN's DeletionService does for container directories. Schedule and
// Pending are safe for concurrent use; Run performs the deletions.
type Deleter struct {
	cfg  DeleterConfig
	wake chan struct{}

	mu       sync.Mutex
	queue    []deletion
	inFlight int
}

type deletion struct {
	path string
	due  time.Time
}

// NewDeleter returns a Deleter; it deletes nothing until Run is called.
func NewDeleter(cfg DeleterConfig) (*Deleter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Deleter{
		cfg:  cfg.withDefaults(),
		wake: make(chan struct{}, 1),
	}, nil
}

// Schedule queues path's tree for removal after the configured delay. An
// empty or relative path, or the root directory, is refused and logged.
func (d *Deleter) Schedule(path string) {
	if err := checkDeletable(path); err != nil {
		d.cfg.Logger.Error("refusing to delete path", zap.String("path", path), zap.Error(err))
		return
	}
	due := d.cfg.Now().Add(d.cfg.Delay)
	d.mu.Lock()
	d.queue = append(d.queue, deletion{path: filepath.Clean(path), due: due})
	d.mu.Unlock()
	d.cfg.Logger.Debug("path deletion scheduled", zap.String("path", path), zap.Time("due", due))
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Pending returns how many scheduled paths have not been removed yet,
// including those being removed.
func (d *Deleter) Pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.queue) + d.inFlight
}

// Run removes paths as they fall due until ctx ends; paths still pending
// then stay queued.
func (d *Deleter) Run(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		d.DeleteDue()
		timer.Reset(d.nextWait())
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-timer.C:
		}
	}
}

// DeleteDue removes every path due by now and returns how many it
// processed. Run calls it; it is exported for callers that drive deletion
// themselves, such as a final sweep at shutdown.
func (d *Deleter) DeleteDue() int {
	now := d.cfg.Now()
	d.mu.Lock()
	var due []deletion
	kept := d.queue[:0]
	for _, del := range d.queue {
		if del.due.After(now) {
			kept = append(kept, del)
		} else {
			due = append(due, del)
		}
	}
	clear(d.queue[len(kept):])
	d.queue = kept
	d.inFlight += len(due)
	d.mu.Unlock()

	for _, del := range due {
		if err := os.RemoveAll(del.path); err != nil {
			d.cfg.Logger.Error("path deletion failed", zap.String("path", del.path), zap.Error(err))
		} else {
			d.cfg.Logger.Info("path deleted", zap.String("path", del.path))
		}
		d.mu.Lock()
		d.inFlight--
		d.mu.Unlock()
	}
	return len(due)
}

// nextWait is how long Run may sleep before the next deletion is due,
// capped by CheckInterval.
func (d *Deleter) nextWait() time.Duration {
	wait := d.cfg.CheckInterval
	now := d.cfg.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, del := range d.queue {
		if w := del.due.Sub(now); w < wait {
			wait = w
		}
	}
	return max(wait, 0)
}

// checkDeletable refuses paths whose removal could not be meant.
func checkDeletable(path string) error {
	if path == "" {
		return errors.New("empty path")
	}
	if !filepath.IsAbs(path) {
		return fmt.Errorf("relative path %q", path)
	}
	if filepath.Clean(path) == "/" {
		return fmt.Errorf("root directory %q", path)
	}
	return nil
}
