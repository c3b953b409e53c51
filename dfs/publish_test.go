package dfs

import (
	"context"
	"errors"
	"testing"
)

// runPublisherContract checks what a fenced write needs of a store: a
// create that never makes its directory, and a rename that replaces its
// target and fails once its source's directory has moved away.
func runPublisherContract(t *testing.T, newStore func(t *testing.T) Store) {
	t.Helper()
	ctx := context.Background()
	get := func(t *testing.T) Publisher {
		p, err := AsPublisher(newStore(t))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("create in an existing directory, then move over a file", func(t *testing.T) {
		s := get(t)
		if err := s.MkdirAll(ctx, "/fence/a"); err != nil {
			t.Fatal(err)
		}
		mustWriteFile(t, s, "/out/x", "old")
		if err := s.CreateIn(ctx, "/fence/a/t1", []byte("new")); err != nil {
			t.Fatalf("CreateIn: %v", err)
		}
		if err := s.CreateIn(ctx, "/fence/a/t1", []byte("again")); !errors.Is(err, ErrExists) {
			t.Fatalf("CreateIn over an existing file: %v, want ErrExists", err)
		}
		if err := s.MoveOver(ctx, "/fence/a/t1", "/out/x"); err != nil {
			t.Fatalf("MoveOver: %v", err)
		}
		if got := mustReadFile(t, s, "/out/x"); got != "new" {
			t.Fatalf("target holds %q, want the moved file's %q", got, "new")
		}
		if names := listNames(t, s, "/fence/a"); len(names) != 0 {
			t.Fatalf("source directory still holds %v", names)
		}
		// A target whose directory is new.
		if err := s.CreateIn(ctx, "/fence/a/t2", nil); err != nil {
			t.Fatal(err)
		}
		if err := s.MoveOver(ctx, "/fence/a/t2", "/out/deep/y"); err != nil {
			t.Fatalf("MoveOver into a new directory: %v", err)
		}
		if got := mustReadFile(t, s, "/out/deep/y"); got != "" {
			t.Fatalf("empty file moved holds %q", got)
		}
	})
	t.Run("create never makes its directory", func(t *testing.T) {
		s := get(t)
		if err := s.CreateIn(ctx, "/gone/t", []byte("x")); !errors.Is(err, ErrNotFound) {
			t.Fatalf("CreateIn in a missing directory: %v, want ErrNotFound", err)
		}
		if ok, err := s.Exists(ctx, "/gone"); ok || err != nil {
			t.Fatalf("the missing directory exists afterwards (%v, %v)", ok, err)
		}
	})
	t.Run("a directory moved away stops its writes", func(t *testing.T) {
		s := get(t)
		if err := s.MkdirAll(ctx, "/fence/a"); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateIn(ctx, "/fence/a/t", []byte("zombie")); err != nil {
			t.Fatal(err)
		}
		if err := s.Rename(ctx, "/fence/a", "/fenced/a"); err != nil {
			t.Fatal(err)
		}
		if err := s.MoveOver(ctx, "/fence/a/t", "/out/x"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("MoveOver from a moved directory: %v, want ErrNotFound", err)
		}
		if err := s.CreateIn(ctx, "/fence/a/t2", []byte("zombie")); !errors.Is(err, ErrNotFound) {
			t.Fatalf("CreateIn in a moved directory: %v, want ErrNotFound", err)
		}
		if ok, _ := s.Exists(ctx, "/out/x"); ok {
			t.Fatal("a write through a moved directory landed")
		}
	})
}

func TestFileStorePublisher(t *testing.T) {
	runPublisherContract(t, func(t *testing.T) Store { return newFileStore(t) })
}

func TestHDFSStorePublisher(t *testing.T) {
	isolateHadoopEnv(t)
	runPublisherContract(t, func(t *testing.T) Store {
		c := startMiniHDFS(t, 1<<20)
		return newTestHDFSStore(t, c.Addr(), nil)
	})
}
