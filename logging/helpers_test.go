package logging

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manually advanced clock for age tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2031, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// absent is what contents returns for a missing file.
const absent = "<absent>"

// contents returns the contents of name, or absent if it does not exist.
func contents(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if os.IsNotExist(err) {
		return absent
	}
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

// mustRead returns the contents of name, failing if it cannot be read.
func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

// logFiles lists the base names in dir that start with base, sorted, with
// their sizes.
func logFiles(t *testing.T, dir, base string) (names []string, sizes map[string]int64) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read dir %s: %v", dir, err)
	}
	sizes = map[string]int64{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), base) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			t.Fatalf("stat %s: %v", e.Name(), err)
		}
		names = append(names, e.Name())
		sizes[e.Name()] = info.Size()
	}
	sort.Strings(names)
	return names, sizes
}

// openTest opens a RollingFile and closes it when the test ends.
func openTest(t *testing.T, cfg RollingConfig) *RollingFile {
	t.Helper()
	r, err := OpenRolling(cfg)
	if err != nil {
		t.Fatalf("OpenRolling(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// mustWrite writes s to w, failing on error or a short write.
func mustWrite(t *testing.T, r *RollingFile, s string) {
	t.Helper()
	n, err := r.Write([]byte(s))
	if err != nil || n != len(s) {
		t.Fatalf("Write(%d bytes) = %d, %v", len(s), n, err)
	}
}

func tempLog(t *testing.T) (dir, path string) {
	dir = t.TempDir()
	return dir, filepath.Join(dir, "app.log")
}
