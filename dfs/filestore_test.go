package dfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func newFileStore(t testing.TB) *FileStore {
	t.Helper()
	s, err := NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFileStoreContract(t *testing.T) {
	runStoreContract(t, func(t *testing.T) Store { return newFileStore(t) })
}

func TestFileStoreResolvesUnderRoot(t *testing.T) {
	s := newFileStore(t)
	mustWriteFile(t, s, "/a/b/c", "data")
	got, err := os.ReadFile(filepath.Join(s.Root(), "a", "b", "c"))
	if err != nil || string(got) != "data" {
		t.Fatalf("file under root = %q, %v; want %q", got, err, "data")
	}
	// ".." that stays within the root is allowed.
	if got := mustReadFile(t, s, "/a/x/../b/c"); got != "data" {
		t.Fatalf("read via /a/x/../b/c = %q", got)
	}
}

func TestFileStoreRefusesBadPaths(t *testing.T) {
	ctx := context.Background()
	s := newFileStore(t)
	// A file just outside the root, which no operation may reach.
	outside := filepath.Join(filepath.Dir(s.Root()), "outside-"+filepath.Base(s.Root()))
	if err := os.WriteFile(outside, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(outside) })
	escaping := "/../" + filepath.Base(outside)

	ops := []struct {
		name string
		run  func(p string) error
	}{
		{"ReadFile", func(p string) error { _, err := s.ReadFile(ctx, p); return err }},
		{"Open", func(p string) error { _, err := s.Open(ctx, p); return err }},
		{"WriteFile", func(p string) error { return s.WriteFile(ctx, p, []byte("x")) }},
		{"WriteFrom", func(p string) error { _, err := s.WriteFrom(ctx, p, strings.NewReader("x")); return err }},
		{"List", func(p string) error { _, err := s.List(ctx, p); return err }},
		{"Stat", func(p string) error { _, err := s.Stat(ctx, p); return err }},
		{"Exists", func(p string) error { _, err := s.Exists(ctx, p); return err }},
		{"RenameFrom", func(p string) error { return s.Rename(ctx, p, "/x") }},
		{"RenameTo", func(p string) error { mustWriteFile(t, s, "/src", "s"); return s.Rename(ctx, "/src", p) }},
		{"Delete", func(p string) error { return s.Delete(ctx, p) }},
		{"MkdirAll", func(p string) error { return s.MkdirAll(ctx, p) }},
	}
	paths := []struct {
		path   string
		target error
	}{
		{escaping, ErrPathEscapes},
		{"/a/../../" + filepath.Base(outside), ErrPathEscapes},
		{"/a/b/../../..", ErrPathEscapes},
		{"relative/path", ErrInvalidPath},
		{"", ErrInvalidPath},
		{"/nul\x00byte", ErrInvalidPath},
	}
	for _, op := range ops {
		for _, p := range paths {
			t.Run(op.name+"/"+p.path, func(t *testing.T) {
				err := op.run(p.path)
				if !errors.Is(err, p.target) {
					t.Fatalf("%s(%q) = %v, want %v", op.name, p.path, err, p.target)
				}
			})
		}
	}
	got, err := os.ReadFile(outside)
	if err != nil || string(got) != "secret" {
		t.Fatalf("file outside the root = %q, %v; it must be untouched", got, err)
	}
}

func TestFileStoreRefusesRoot(t *testing.T) {
	ctx := context.Background()
	s := newFileStore(t)
	mustWriteFile(t, s, "/keep", "k")
	if err := s.Delete(ctx, "/"); !errors.Is(err, ErrInvalidPath) {
		t.Fatalf("Delete(/) = %v, want ErrInvalidPath", err)
	}
	if err := s.WriteFile(ctx, "/", []byte("x")); !errors.Is(err, ErrInvalidPath) {
		t.Fatalf("WriteFile(/) = %v, want ErrInvalidPath", err)
	}
	if err := s.Rename(ctx, "/", "/elsewhere"); !errors.Is(err, ErrInvalidPath) {
		t.Fatalf("Rename(/) = %v, want ErrInvalidPath", err)
	}
	if got := mustReadFile(t, s, "/keep"); got != "k" {
		t.Fatalf("root content changed: %q", got)
	}
}

func TestFileStoreCancelledWriteFromKeepsOldContent(t *testing.T) {
	s := newFileStore(t)
	mustWriteFile(t, s, "/f", "old")
	ctx, cancel := context.WithCancel(context.Background())
	// The reader cancels the write part-way through the copy.
	r := &cancellingReader{cancel: cancel, chunks: []string{"new ", "content"}}
	_, err := s.WriteFrom(ctx, "/f", r)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteFrom = %v, want context.Canceled", err)
	}
	if got := mustReadFile(t, s, "/f"); got != "old" {
		t.Fatalf("content = %q, want %q", got, "old")
	}
	if names := listNames(t, s, "/"); strings.Join(names, ",") != "f" {
		t.Fatalf("root holds %v, want only f", names)
	}
}

type cancellingReader struct {
	cancel func()
	chunks []string
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, errors.New("read past the end")
	}
	n := copy(p, r.chunks[0])
	r.chunks = r.chunks[1:]
	r.cancel()
	return n, nil
}

func TestFileStoreWriteOntoDirectoryFails(t *testing.T) {
	s := newFileStore(t)
	mustWriteFile(t, s, "/dir/f", "f")
	err := s.WriteFile(context.Background(), "/dir", []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "/dir") {
		t.Fatalf("WriteFile onto a directory = %v, want an error naming /dir", err)
	}
	if got := mustReadFile(t, s, "/dir/f"); got != "f" {
		t.Fatalf("directory content changed: %q", got)
	}
	if _, err := s.Open(context.Background(), "/dir"); err == nil {
		t.Fatal("Open of a directory succeeded")
	}
}

func TestNewFileStore(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		root   string
		target error
	}{
		{"empty", "", ErrInvalidPath},
		{"missing", filepath.Join(dir, "missing"), ErrNotFound},
		{"file", file, ErrInvalidPath},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewFileStore(tc.root)
			if !errors.Is(err, tc.target) {
				t.Fatalf("NewFileStore(%q) = %v, want %v", tc.root, err, tc.target)
			}
		})
	}
	s, err := NewFileStore(dir)
	if err != nil || s.Root() != dir {
		t.Fatalf("NewFileStore(dir) = %v, %v", s, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// A FIFO would block Open until a writer appears; FileStore refuses it.
func TestFileStoreOpenRefusesFIFO(t *testing.T) {
	s := newFileStore(t)
	if err := syscall.Mkfifo(filepath.Join(s.Root(), "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := s.Open(context.Background(), "/pipe")
	wantErrIs(t, err, ErrInvalidPath, "not a regular file")
}
