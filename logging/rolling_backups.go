package logging

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// roll closes the current file, shifts the rolled files up by one, opens a
// fresh current file and prunes rolled files. It carries on past failures so
// that a broken rename does not stop logging; r.file is nil afterwards only
// if the current file could not be reopened.
func (r *RollingFile) roll(now time.Time) error {
	var errs []error
	if r.file != nil {
		// Stamp the rolled file with the clock's view of its last write, so
		// MaxAge pruning and the clock agree.
		if r.cfg.MaxBackups > 0 {
			if err := os.Chtimes(r.cfg.Path, r.last, r.last); err != nil {
				errs = append(errs, fmt.Errorf("logging: set times on %s: %w", r.cfg.Path, err))
			}
		}
		if err := r.file.Close(); err != nil {
			errs = append(errs, fmt.Errorf("logging: close %s: %w", r.cfg.Path, err))
		}
		r.file = nil
	}
	if err := r.shift(); err != nil {
		errs = append(errs, err)
	}
	if err := r.openCurrent(now); err != nil {
		errs = append(errs, err)
	}
	if err := r.prune(now); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// shift moves Path.k to Path.k+1 from the oldest down, deleting the one
// that would pass MaxBackups, then moves Path to Path.1 (or deletes it when
// no backups are kept).
func (r *RollingFile) shift() error {
	if r.cfg.MaxBackups == 0 {
		if err := os.Remove(r.cfg.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("logging: remove %s: %w", r.cfg.Path, err)
		}
		return nil
	}
	indexes, err := r.backupIndexes()
	if err != nil {
		return err
	}
	var errs []error
	for _, k := range slices.Backward(indexes) {
		from := r.backupName(k)
		if k >= r.cfg.MaxBackups {
			if err := os.Remove(from); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("logging: remove %s: %w", from, err))
			}
			continue
		}
		to := r.backupName(k + 1)
		if err := os.Rename(from, to); err != nil {
			errs = append(errs, fmt.Errorf("logging: rename %s to %s: %w", from, to, err))
		}
	}
	to := r.backupName(1)
	if err := os.Rename(r.cfg.Path, to); err != nil {
		errs = append(errs, fmt.Errorf("logging: rename %s to %s: %w", r.cfg.Path, to, err))
	}
	return errors.Join(errs...)
}

// prune deletes rolled files beyond MaxBackups (left by an earlier, larger
// setting) and, when MaxAge is set, rolled files last modified before
// now-MaxAge.
func (r *RollingFile) prune(now time.Time) error {
	indexes, err := r.backupIndexes()
	if err != nil {
		return err
	}
	var errs []error
	for _, k := range indexes {
		name := r.backupName(k)
		remove := k > r.cfg.MaxBackups
		if !remove && r.cfg.MaxAge > 0 {
			info, err := os.Stat(name)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("logging: stat %s: %w", name, err))
				continue
			}
			remove = now.Sub(info.ModTime()) > r.cfg.MaxAge
		}
		if !remove {
			continue
		}
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("logging: remove %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// backupIndexes lists the k of every existing Path.k, ascending. Only
// canonical decimal suffixes count, so Path.01 or Path.1.gz are left alone.
func (r *RollingFile) backupIndexes() ([]int, error) {
	dir, base := filepath.Split(r.cfg.Path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("logging: list rolled files of %s: %w", r.cfg.Path, err)
	}
	prefix := base + "."
	var indexes []int
	for _, e := range entries {
		suffix, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || e.IsDir() {
			continue
		}
		k, err := strconv.Atoi(suffix)
		if err != nil || k < 1 || strconv.Itoa(k) != suffix {
			continue
		}
		indexes = append(indexes, k)
	}
	slices.Sort(indexes)
	return indexes, nil
}

// backupName returns the name of the k-th rolled file.
func (r *RollingFile) backupName(k int) string {
	return r.cfg.Path + "." + strconv.Itoa(k)
}
