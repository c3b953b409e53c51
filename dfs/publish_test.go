package dfs

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
		if err := create(s, "/fence/a/t1", "new"); err != nil {
			t.Fatalf("CreateIn: %v", err)
		}
		if err := create(s, "/fence/a/t1", "again"); !errors.Is(err, ErrExists) {
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
		if err := create(s, "/fence/a/t2", ""); err != nil {
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
		if err := create(s, "/gone/t", "x"); !errors.Is(err, ErrNotFound) {
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
		if err := create(s, "/fence/a/t", "zombie"); err != nil {
			t.Fatal(err)
		}
		if err := s.Rename(ctx, "/fence/a", "/fenced/a"); err != nil {
			t.Fatal(err)
		}
		if err := s.MoveOver(ctx, "/fence/a/t", "/out/x"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("MoveOver from a moved directory: %v, want ErrNotFound", err)
		}
		if err := create(s, "/fence/a/t2", "zombie"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("CreateIn in a moved directory: %v, want ErrNotFound", err)
		}
		if ok, _ := s.Exists(ctx, "/out/x"); ok {
			t.Fatal("a write through a moved directory landed")
		}
	})
}

// create streams data to p with CreateIn, checking the count it returns.
func create(s Publisher, p, data string) error {
	n, err := s.CreateIn(context.Background(), p, strings.NewReader(data))
	if err == nil && n != int64(len(data)) {
		return fmt.Errorf("CreateIn wrote %d bytes of %d", n, len(data))
	}
	return err
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
