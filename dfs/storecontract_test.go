package dfs

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// runStoreContract checks the behaviour every Store promises, on a fresh
// empty store from newStore for each case.
func runStoreContract(t *testing.T, newStore func(t *testing.T) Store) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, ctx context.Context, s Store)
	}{
		{"write then read", func(t *testing.T, ctx context.Context, s Store) {
			mustWriteFile(t, s, "/a/b/c.txt", "hello")
			if got := mustReadFile(t, s, "/a/b/c.txt"); got != "hello" {
				t.Fatalf("read %q, want %q", got, "hello")
			}
		}},
		{"atomic replace leaves only the new content", func(t *testing.T, ctx context.Context, s Store) {
			mustWriteFile(t, s, "/d/f", "first version, longer")
			mustWriteFile(t, s, "/d/f", "second")
			if got := mustReadFile(t, s, "/d/f"); got != "second" {
				t.Fatalf("read %q after replace, want %q", got, "second")
			}
			if names := listNames(t, s, "/d"); strings.Join(names, ",") != "f" {
				t.Fatalf("directory holds %v after replace, want only f (no temporary files)", names)
			}
		}},
		{"write empty file", func(t *testing.T, ctx context.Context, s Store) {
			mustWriteFile(t, s, "/empty", "")
			fi, err := s.Stat(ctx, "/empty")
			if err != nil || fi.Size != 0 || fi.IsDir {
				t.Fatalf("Stat = %+v, %v; want an empty file", fi, err)
			}
		}},
		{"write from a reader", func(t *testing.T, ctx context.Context, s Store) {
			payload := strings.Repeat("0123456789", 100_000)
			n, err := s.WriteFrom(ctx, "/big/data", strings.NewReader(payload))
			if err != nil || n != int64(len(payload)) {
				t.Fatalf("WriteFrom = %d, %v; want %d, nil", n, err, len(payload))
			}
			rc, err := s.Open(ctx, "/big/data")
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if err != nil || string(got) != payload {
				t.Fatalf("streamed back %d bytes (err %v), want %d", len(got), err, len(payload))
			}
		}},
		{"write from a failing reader keeps the old content", func(t *testing.T, ctx context.Context, s Store) {
			mustWriteFile(t, s, "/w/f", "old")
			boom := errors.New("reader broke")
			_, err := s.WriteFrom(ctx, "/w/f", io.MultiReader(strings.NewReader("partial"), failingReader{boom}))
			if !errors.Is(err, boom) {
				t.Fatalf("WriteFrom error = %v, want it to wrap %v", err, boom)
			}
			if got := mustReadFile(t, s, "/w/f"); got != "old" {
				t.Fatalf("content after failed write = %q, want %q", got, "old")
			}
			if names := listNames(t, s, "/w"); strings.Join(names, ",") != "f" {
				t.Fatalf("directory holds %v after failed write, want only f", names)
			}
		}},
		{"a writer killed half-way leaves the old content", func(t *testing.T, ctx context.Context, s Store) {
			checkKilledWrite(t, s, "/k/entry", "old content")
		}},
		{"a writer killed half-way leaves no file where there was none", func(t *testing.T, ctx context.Context, s Store) {
			checkKilledWrite(t, s, "/k/fresh", "")
		}},
		{"list is sorted by name and describes entries", func(t *testing.T, ctx context.Context, s Store) {
			for _, n := range []string{"b", "c", "a", "B"} {
				mustWriteFile(t, s, "/l/"+n, n+n)
			}
			if err := s.MkdirAll(ctx, "/l/d"); err != nil {
				t.Fatal(err)
			}
			infos, err := s.List(ctx, "/l")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, fi := range infos {
				names = append(names, fi.Name)
				if fi.Path != "/l/"+fi.Name {
					t.Errorf("entry %s has Path %q, want %q", fi.Name, fi.Path, "/l/"+fi.Name)
				}
				if fi.IsDir != (fi.Name == "d") {
					t.Errorf("entry %s IsDir = %v", fi.Name, fi.IsDir)
				}
				if !fi.IsDir && fi.Size != 2 {
					t.Errorf("entry %s Size = %d, want 2", fi.Name, fi.Size)
				}
			}
			if got, want := strings.Join(names, ","), "B,a,b,c,d"; got != want {
				t.Fatalf("List order %s, want %s", got, want)
			}
		}},
		{"missing paths wrap ErrNotFound with the path", func(t *testing.T, ctx context.Context, s Store) {
			_, err := s.ReadFile(ctx, "/nope/file")
			wantErrIs(t, err, ErrNotFound, "/nope/file")
			_, err = s.Open(ctx, "/nope/file")
			wantErrIs(t, err, ErrNotFound, "/nope/file")
			_, err = s.List(ctx, "/nope")
			wantErrIs(t, err, ErrNotFound, "/nope")
			_, err = s.Stat(ctx, "/nope")
			wantErrIs(t, err, ErrNotFound, "/nope")
			ok, err := s.Exists(ctx, "/nope")
			if ok || err != nil {
				t.Fatalf("Exists(missing) = %v, %v; want false, nil", ok, err)
			}
		}},
		{"stat and exists", func(t *testing.T, ctx context.Context, s Store) {
			mustWriteFile(t, s, "/s/file", "abc")
			fi, err := s.Stat(ctx, "/s/file")
			if err != nil || fi.IsDir || fi.Size != 3 || fi.Name != "file" || fi.Path != "/s/file" {
				t.Fatalf("Stat(file) = %+v, %v", fi, err)
			}
			if fi.ModTime.IsZero() {
				t.Errorf("Stat(file) has no ModTime")
			}
			fi, err = s.Stat(ctx, "/s")
			if err != nil || !fi.IsDir {
				t.Fatalf("Stat(dir) = %+v, %v", fi, err)
			}
			ok, err := s.Exists(ctx, "/s/file")
			if !ok || err != nil {
				t.Fatalf("Exists(file) = %v, %v", ok, err)
			}
		}},
		{"rename a file", func(t *testing.T, ctx context.Context, s Store) {
			mustWriteFile(t, s, "/r/from", "x")
			if err := s.Rename(ctx, "/r/from", "/r/to"); err != nil {
				t.Fatal(err)
			}
			if got := mustReadFile(t, s, "/r/to"); got != "x" {
				t.Fatalf("renamed file holds %q", got)
			}
			if ok, _ := s.Exists(ctx, "/r/from"); ok {
				t.Fatal("source still exists after rename")
			}
		}},
		{"rename a directory with its contents", func(t *testing.T, ctx context.Context, s Store) {
			mustWriteFile(t, s, "/ckpt/offsets/1", "one")
			if err := s.Rename(ctx, "/ckpt", "/ckpt.old"); err != nil {
				t.Fatal(err)
			}
			if got := mustReadFile(t, s, "/ckpt.old/offsets/1"); got != "one" {
				t.Fatalf("moved file holds %q", got)
			}
		}},
		{"rename onto an existing file is ErrExists", func(t *testing.T, ctx context.Context, s Store) {
			mustWriteFile(t, s, "/r/a", "a")
			mustWriteFile(t, s, "/r/b", "b")
			err := s.Rename(ctx, "/r/a", "/r/b")
			wantErrIs(t, err, ErrExists, "/r/b")
			if mustReadFile(t, s, "/r/a") != "a" || mustReadFile(t, s, "/r/b") != "b" {
				t.Fatal("failed rename changed a file")
			}
		}},
		{"rename onto an existing directory is ErrExists", func(t *testing.T, ctx context.Context, s Store) {
			mustWriteFile(t, s, "/r/a", "a")
			if err := s.MkdirAll(ctx, "/r/dir"); err != nil {
				t.Fatal(err)
			}
			wantErrIs(t, s.Rename(ctx, "/r/a", "/r/dir"), ErrExists, "/r/dir")
		}},
		{"rename of a missing path is ErrNotFound", func(t *testing.T, ctx context.Context, s Store) {
			wantErrIs(t, s.Rename(ctx, "/missing", "/r/x"), ErrNotFound, "/missing")
		}},
		{"delete a file", func(t *testing.T, ctx context.Context, s Store) {
			mustWriteFile(t, s, "/x/f", "f")
			if err := s.Delete(ctx, "/x/f"); err != nil {
				t.Fatal(err)
			}
			if ok, _ := s.Exists(ctx, "/x/f"); ok {
				t.Fatal("file exists after Delete")
			}
		}},
		{"delete is recursive", func(t *testing.T, ctx context.Context, s Store) {
			mustWriteFile(t, s, "/x/y/z/f", "f")
			mustWriteFile(t, s, "/x/g", "g")
			if err := s.Delete(ctx, "/x"); err != nil {
				t.Fatal(err)
			}
			if ok, _ := s.Exists(ctx, "/x"); ok {
				t.Fatal("directory exists after Delete")
			}
		}},
		{"delete of a missing path succeeds", func(t *testing.T, ctx context.Context, s Store) {
			if err := s.Delete(ctx, "/never/was"); err != nil {
				t.Fatalf("Delete(missing) = %v, want nil", err)
			}
		}},
		{"mkdirall creates parents and is idempotent", func(t *testing.T, ctx context.Context, s Store) {
			for range 2 {
				if err := s.MkdirAll(ctx, "/m/n/o"); err != nil {
					t.Fatal(err)
				}
			}
			fi, err := s.Stat(ctx, "/m/n")
			if err != nil || !fi.IsDir {
				t.Fatalf("Stat(/m/n) = %+v, %v", fi, err)
			}
		}},
		{"a cancelled context fails the operation", func(t *testing.T, _ context.Context, s Store) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := s.WriteFile(ctx, "/c", []byte("x")); !errors.Is(err, context.Canceled) {
				t.Fatalf("WriteFile with cancelled context = %v", err)
			}
			if ok, _ := s.Exists(context.Background(), "/c"); ok {
				t.Fatal("cancelled write created the file")
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			tc.run(t, context.Background(), s)
		})
	}
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

func mustWriteFile(t *testing.T, s Store, p, data string) {
	t.Helper()
	if err := s.WriteFile(context.Background(), p, []byte(data)); err != nil {
		t.Fatalf("WriteFile(%s): %v", p, err)
	}
}

func mustReadFile(t *testing.T, s Store, p string) string {
	t.Helper()
	b, err := s.ReadFile(context.Background(), p)
	if err != nil {
		t.Fatalf("ReadFile(%s): %v", p, err)
	}
	return string(b)
}

func listNames(t *testing.T, s Store, dir string) []string {
	t.Helper()
	infos, err := s.List(context.Background(), dir)
	if err != nil {
		t.Fatalf("List(%s): %v", dir, err)
	}
	names := make([]string, len(infos))
	for i, fi := range infos {
		names[i] = fi.Name
	}
	return names
}

// wantErr fails unless err wraps target and its message contains fragment.
func wantErrIs(t *testing.T, err, target error, fragment string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want one wrapping %v", err, target)
	}
	if !strings.Contains(err.Error(), fragment) {
		t.Fatalf("error %q does not mention %q", err, fragment)
	}
}
