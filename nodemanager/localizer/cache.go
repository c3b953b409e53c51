package localizer

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// cache keeps verified resources on the node, by user and SHA-256, as
// YARN's private (per-user) localizer cache: a resource fetched for one
// container is hard-linked into the next container of the same user that
// asks for the same content, with no fetch and no hash. A user never gets
// another user's entry, so knowing a file's SHA-256 does not give its
// content.
//
// Entries are read-only files (or, for archives, unpacked dirs of them)
// named <sha256>-<kind> in <local dir>/usercache/<user>/filecache. When
// the cache grows past its target, the least recently used entries that no
// container links (link count 1) and no localization holds are removed.
type cache struct {
	target int64
	lg     *zap.Logger

	mu      sync.Mutex
	entries map[string]*entry // by path
	used    int64
}

// entry is one cached resource.
type entry struct {
	path    string
	archive bool
	size    int64
	lastUse time.Time
	// pins counts localizations that are linking the entry right now.
	pins int
	// ready is closed once the entry is filled or has failed (err).
	ready chan struct{}
	err   error
}

// cacheSubdir is where a user's entries live under a local dir, as YARN's.
func cacheSubdir(user string) string {
	return filepath.Join("usercache", user, "filecache")
}

func newCache(target int64, localDirs []string, lg *zap.Logger) *cache {
	c := &cache{target: target, lg: lg, entries: map[string]*entry{}}
	for _, d := range localDirs {
		c.load(d)
	}
	c.evict()
	return c
}

// load adopts the entries a previous NodeManager left under localDir and
// removes its unfinished temporaries. Entries were verified before they
// were renamed into place.
func (c *cache) load(localDir string) {
	users, err := os.ReadDir(filepath.Join(localDir, "usercache"))
	if err != nil {
		return
	}
	for _, u := range users {
		dir := filepath.Join(localDir, cacheSubdir(u.Name()))
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			p := filepath.Join(dir, e.Name())
			if strings.HasPrefix(e.Name(), ".") {
				_ = os.RemoveAll(p)
				continue
			}
			fi, err := e.Info()
			if err != nil {
				continue
			}
			size := fi.Size()
			if e.IsDir() {
				size = treeSize(p)
			}
			done := make(chan struct{})
			close(done)
			c.entries[p] = &entry{path: p, archive: e.IsDir(), size: size, lastUse: fi.ModTime(), ready: done}
			c.used += size
		}
	}
}

// acquire returns the ready entry at path, pinned, filling it with fill
// when it is missing: fill writes the verified resource under a temporary
// name in dir and returns that name. Concurrent callers for one path wait
// for a single fill. hit reports whether the entry was already there.
func (c *cache) acquire(ctx context.Context, path string, archive bool, fill func(dir string) (string, error)) (e *entry, hit bool, err error) {
	for {
		c.mu.Lock()
		e = c.entries[path]
		if e == nil {
			e = &entry{path: path, archive: archive, pins: 1, ready: make(chan struct{})}
			c.entries[path] = e
			c.mu.Unlock()
			return e, false, c.fill(e, fill)
		}
		c.mu.Unlock()
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
		c.mu.Lock()
		if c.entries[path] != e || e.err != nil {
			c.mu.Unlock()
			continue // failed or removed meanwhile: try again
		}
		if !e.intact() {
			c.dropLocked(e)
			c.mu.Unlock()
			c.lg.Warn("cached resource changed on disk: fetching it again", zap.String("path", path))
			continue
		}
		e.pins++
		e.lastUse = time.Now()
		c.mu.Unlock()
		return e, true, nil
	}
}

// fill runs fill for the new entry e and publishes the result.
func (c *cache) fill(e *entry, fill func(dir string) (string, error)) error {
	dir := filepath.Dir(e.path)
	err := os.MkdirAll(dir, 0o755)
	var tmp string
	if err == nil {
		tmp, err = fill(dir)
	}
	if err == nil {
		if err = os.Rename(tmp, e.path); err != nil {
			_ = os.RemoveAll(tmp)
		}
	}
	var size int64
	if err == nil {
		size = treeSize(e.path)
	}
	c.mu.Lock()
	if err != nil {
		e.err = err
		delete(c.entries, e.path)
	} else {
		e.size, e.lastUse = size, time.Now()
		c.used += size
	}
	close(e.ready)
	c.mu.Unlock()
	if err == nil {
		c.evict()
	}
	return err
}

// release unpins e once its links are made.
func (c *cache) release(e *entry) {
	c.mu.Lock()
	e.pins--
	c.mu.Unlock()
}

// intact reports whether a cached file still looks as it was stored:
// same size, still read-only. A container that made its link writable
// and changed it would otherwise hand its changes to the next one.
func (e *entry) intact() bool {
	fi, err := os.Stat(e.path)
	if err != nil {
		return false
	}
	if e.archive {
		return fi.IsDir()
	}
	return fi.Mode().IsRegular() && fi.Size() == e.size && fi.Mode().Perm()&0o222 == 0
}

func (c *cache) dropLocked(e *entry) {
	_ = removeTree(e.path)
	delete(c.entries, e.path)
	c.used -= e.size
}

// evict removes least recently used entries while the cache is above its
// target, skipping any that a container links or a localization holds.
func (c *cache) evict() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.used <= c.target {
		return
	}
	var idle []*entry
	for _, e := range c.entries {
		if e.pins == 0 && e.err == nil && isClosed(e.ready) {
			idle = append(idle, e)
		}
	}
	slices.SortFunc(idle, func(a, b *entry) int { return a.lastUse.Compare(b.lastUse) })
	for _, e := range idle {
		if c.used <= c.target {
			return
		}
		if linked(e.path) {
			continue
		}
		c.lg.Info("removing cached resource", zap.String("path", e.path), zap.Int64("bytes", e.size))
		c.dropLocked(e)
	}
	if c.used > c.target {
		c.lg.Warn("localizer cache above its target: the rest is in use by containers",
			zap.Int64("used", c.used), zap.Int64("target", c.target))
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// linked reports whether any file of the entry at p has another hard link,
// i.e. a container's working dir still holds it.
func linked(p string) bool {
	found := false
	_ = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// treeSize is the total size of the regular files at p.
func treeSize(p string) int64 {
	var n int64
	_ = filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// removeTree removes p; read-only files need no write bit to be unlinked.
func removeTree(p string) error {
	if err := os.RemoveAll(p); err != nil {
		return fmt.Errorf("remove cached %s: %w", p, err)
	}
	return nil
}
