package logging

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAppendExisting checks that an existing file is appended to and its
// size counts towards MaxSize.
func TestAppendExisting(t *testing.T) {
	_, path := tempLog(t)
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := openTest(t, RollingConfig{Path: path, MaxSize: 10, MaxBackups: 2})
	mustWrite(t, r, "abcde\n") // 4+6 = 10 bytes: fits
	if got := contents(t, path); got != "old\nabcde\n" {
		t.Fatalf("%s = %q, want %q", path, got, "old\nabcde\n")
	}
	mustWrite(t, r, "x\n") // 12 > 10: rolls first
	if got := contents(t, path+".1"); got != "old\nabcde\n" {
		t.Fatalf("%s.1 = %q, want %q", path, got, "old\nabcde\n")
	}
	if got := contents(t, path); got != "x\n" {
		t.Fatalf("%s = %q, want %q", path, got, "x\n")
	}
}

// TestOpenPrunesExcessBackups checks that rolled files beyond MaxBackups
// are removed on open and unrelated files are left alone.
func TestOpenPrunesExcessBackups(t *testing.T) {
	dir, path := tempLog(t)
	for _, n := range []string{"app.log.1", "app.log.2", "app.log.3", "app.log.7", "app.log.01", "app.log.1.gz", "app.log.x"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	openTest(t, RollingConfig{Path: path, MaxSize: 10, MaxBackups: 2})
	names, _ := logFiles(t, dir, "app.log")
	want := []string{"app.log", "app.log.01", "app.log.1", "app.log.1.gz", "app.log.2", "app.log.x"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("files = %v, want %v", names, want)
	}
}

// TestRotate checks explicit rolls, including of an empty file.
func TestRotate(t *testing.T) {
	_, path := tempLog(t)
	r := openTest(t, RollingConfig{Path: path, MaxSize: 1 << 20, MaxBackups: 2})
	mustWrite(t, r, "A\n")
	if err := r.Rotate(); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	mustWrite(t, r, "B\n")
	if err := r.Rotate(); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if err := r.Rotate(); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	want := map[string]string{path: "", path + ".1": "", path + ".2": "B\n", path + ".3": absent}
	for name, w := range want {
		if got := contents(t, name); got != w {
			t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
}

// TestClosed checks the behaviour after Close.
func TestClosed(t *testing.T) {
	_, path := tempLog(t)
	r, err := OpenRolling(RollingConfig{Path: path, MaxSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if n, err := r.Write([]byte("x")); n != 0 || !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close = %d, %v; want 0, ErrClosed", n, err)
	}
	if err := r.Rotate(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Rotate after Close = %v, want ErrClosed", err)
	}
	if err := r.Sync(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Sync after Close = %v, want ErrClosed", err)
	}
}

// TestOpenCreatesDirectory checks that missing parent directories are made.
func TestOpenCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "app.log")
	r := openTest(t, RollingConfig{Path: path, MaxSize: 10})
	mustWrite(t, r, "hi\n")
	if got := contents(t, path); got != "hi\n" {
		t.Fatalf("%s = %q, want %q", path, got, "hi\n")
	}
}

// TestOpenRollingErrors checks that bad configurations and unusable paths
// are rejected with descriptive errors.
func TestOpenRollingErrors(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     RollingConfig
		invalid bool   // wraps ErrInvalidConfig
		mention string // substring of the error
	}{
		{"empty path", RollingConfig{MaxSize: 1}, true, "path is empty"},
		{"trailing separator", RollingConfig{Path: dir + "/", MaxSize: 1}, true, "names a directory"},
		{"zero size", RollingConfig{Path: "x.log"}, true, "max size 0"},
		{"negative size", RollingConfig{Path: "x.log", MaxSize: -5}, true, "max size -5"},
		{"negative backups", RollingConfig{Path: "x.log", MaxSize: 1, MaxBackups: -1}, true, "max backups -1"},
		{"negative age", RollingConfig{Path: "x.log", MaxSize: 1, MaxAge: -time.Second}, true, "max age -1s"},
		{"path is a directory", RollingConfig{Path: dir, MaxSize: 1}, false, dir},
		{"parent is a file", RollingConfig{Path: filepath.Join(blocker, "x.log"), MaxSize: 1}, false, blocker},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := OpenRolling(tc.cfg)
			if err == nil {
				_ = r.Close()
				t.Fatalf("OpenRolling(%+v) succeeded, want error", tc.cfg)
			}
			if got := errors.Is(err, ErrInvalidConfig); got != tc.invalid {
				t.Errorf("errors.Is(%v, ErrInvalidConfig) = %v, want %v", err, got, tc.invalid)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
		})
	}
}
