package logging

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

const (
	fileMode = 0o644
	dirMode  = 0o755
)

// RollingFile is an io.WriteCloser that appends to RollingConfig.Path and
// rolls it to Path.1, Path.2, … when it grows past MaxSize or its contents
// grow older than MaxAge, keeping at most MaxBackups rolled files. Each
// file holds at most MaxSize bytes unless a single write was larger, so
// with writes no larger than MaxSize disk use stays within
// (MaxBackups+1) × MaxSize.
//
// Each Write lands in a single file with a single write call, so concurrent
// writers never interleave within a write. Age checks run on Write, Rotate
// and OpenRolling; no background goroutine is started.
type RollingFile struct {
	cfg RollingConfig

	mu     sync.Mutex
	file   *os.File // nil after a failed roll; reopened by the next Write
	size   int64
	start  time.Time // when the oldest byte of the current file was written
	last   time.Time // when the newest byte of the current file was written
	closed bool
}

// OpenRolling opens (or creates) cfg.Path for appending, counting any
// existing contents towards MaxSize, and removes rolled files beyond
// MaxBackups or older than MaxAge.
func OpenRolling(cfg RollingConfig) (*RollingFile, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &RollingFile{cfg: cfg}
	now := cfg.Now()
	if err := r.openCurrent(now); err != nil {
		return nil, err
	}
	if err := r.prune(now); err != nil {
		_ = r.file.Close()
		return nil, err
	}
	return r, nil
}

// Write appends p to the current file, rolling first when p would take the
// file past MaxSize or the file's contents have reached MaxAge. A p larger
// than MaxSize is written whole to a fresh file. If rolling fails but the
// current file is still open, p is written anyway and the roll error is
// returned with n == len(p), so log data is not lost.
func (r *RollingFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, ErrClosed
	}
	now := r.cfg.Now()
	var rollErr error
	if r.file == nil {
		if err := r.openCurrent(now); err != nil {
			return 0, err
		}
	}
	if r.needsRoll(int64(len(p)), now) {
		rollErr = r.roll(now)
		if r.file == nil {
			return 0, rollErr
		}
	}
	if r.size == 0 {
		r.start = now
	}
	n, err := r.file.Write(p)
	r.size += int64(n)
	if n > 0 {
		r.last = now
	}
	if err != nil {
		return n, errors.Join(fmt.Errorf("logging: write %s: %w", r.cfg.Path, err), rollErr)
	}
	return n, rollErr
}

// Rotate rolls the current file now, even if it is empty.
func (r *RollingFile) Rotate() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	return r.roll(r.cfg.Now())
}

// Sync flushes the current file to stable storage.
func (r *RollingFile) Sync() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	if r.file == nil {
		return nil
	}
	if err := r.file.Sync(); err != nil {
		return fmt.Errorf("logging: sync %s: %w", r.cfg.Path, err)
	}
	return nil
}

// Close closes the current file. Later writes fail with ErrClosed; closing
// again is a no-op.
func (r *RollingFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	if err != nil {
		return fmt.Errorf("logging: close %s: %w", r.cfg.Path, err)
	}
	return nil
}

// needsRoll reports whether a write of n bytes must go to a fresh file. An
// empty file is never rolled, so a write larger than MaxSize still lands
// somewhere and idle periods do not produce empty rolled files.
func (r *RollingFile) needsRoll(n int64, now time.Time) bool {
	if r.size == 0 {
		return false
	}
	if r.size+n > r.cfg.MaxSize {
		return true
	}
	return r.cfg.MaxAge > 0 && now.Sub(r.start) >= r.cfg.MaxAge
}

// openCurrent opens Path for appending and records its size and times.
func (r *RollingFile) openCurrent(now time.Time) error {
	if err := os.MkdirAll(filepath.Dir(r.cfg.Path), dirMode); err != nil {
		return fmt.Errorf("logging: create directory for %s: %w", r.cfg.Path, err)
	}
	f, err := os.OpenFile(r.cfg.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, fileMode)
	if err != nil {
		return fmt.Errorf("logging: open %s: %w", r.cfg.Path, err)
	}
	info, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("logging: stat %s: %w", r.cfg.Path, err)
	}
	if !info.Mode().IsRegular() {
		_ = f.Close()
		return fmt.Errorf("logging: open %s: not a regular file", r.cfg.Path)
	}
	r.file = f
	r.size = info.Size()
	// The creation time of an existing file is not recorded portably; its
	// last modification stands in so that a file left idle across a
	// restart still ages out.
	r.start, r.last = now, now
	if mtime := info.ModTime(); r.size > 0 {
		r.last = mtime
		if mtime.Before(now) {
			r.start = mtime
		}
	}
	return nil
}
