package localizer

import (
	"context"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/dfs/dfstest"
)

func fileURI(p string) string { return (&url.URL{Scheme: "file", Path: p}).String() }

func TestSplitURI(t *testing.T) {
	tests := []struct {
		uri, root, path string
		wantMsg         string
	}{
		{uri: "file:///tmp/a.jar", root: "file:///", path: "/tmp/a.jar"},
		{uri: "file://localhost/tmp/a.jar", root: "file://localhost/", path: "/tmp/a.jar"},
		{uri: "file:///tmp/my%20file%231", root: "file:///", path: "/tmp/my file#1"},
		{uri: "hdfs://me@nn:8020/x/../a", root: "hdfs://me@nn:8020/", path: "/a"},
		{uri: "file:tmp/a", wantMsg: "not absolute"},
		{uri: "file:///../../etc", wantMsg: "escapes"},
		{uri: "file:///tmp/a?x", wantMsg: "query"},
		{uri: "file:///tmp/a#frag", wantMsg: "fragment"},
		{uri: "file:///%zz", wantMsg: "does not parse"},
	}
	for _, tt := range tests {
		root, p, err := splitURI(tt.uri)
		if tt.wantMsg == "" {
			if err != nil || root != tt.root || p != tt.path {
				t.Errorf("splitURI(%q) = %q, %q, %v; want %q, %q", tt.uri, root, p, err, tt.root, tt.path)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidResource) || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("splitURI(%q) = %v, want ErrInvalidResource mentioning %q", tt.uri, err, tt.wantMsg)
		}
	}
}

func TestStoreFetcherFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := NewStoreFetcher()
	defer f.Close()
	ctx := context.Background()
	rc, err := f.Open(ctx, fileURI(p))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(got) != "hello" {
		t.Fatalf("read %q, %v; want hello", got, err)
	}

	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	for _, tc := range []struct {
		uri  string
		want error
		msg  string
	}{
		{fileURI(dir), nil, "is a directory"},
		{fileURI(fifo), dfs.ErrInvalidPath, "not a regular file"},
		{fileURI(missing), dfs.ErrNotFound, missing},
		{"file://nn.example.com" + p, ErrInvalidResource, "names no host"},
		{"s3://bucket" + p, ErrUnsupportedScheme, `"s3"`},
	} {
		_, err := f.Open(ctx, tc.uri)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Open(%s) = %v, want %v mentioning %q", tc.uri, err, tc.want, tc.msg)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.Open(cctx, fileURI(p)); !errors.Is(err, context.Canceled) {
		t.Errorf("Open(cancelled) = %v, want context.Canceled", err)
	}
	f.Close()
	if _, err := f.Open(ctx, fileURI(p)); !errors.Is(err, errFetcherClosed) {
		t.Errorf("Open after Close = %v, want errFetcherClosed", err)
	}
}

// TestStoreFetcherHDFS reads from the in-process HDFS through one store
// for several files.
func TestStoreFetcherHDFS(t *testing.T) {
	c := dfstest.StartHDFS(t, 0)
	st := dfstest.NewHDFSStore(t, c.Addr(), nil)
	ctx := context.Background()
	for _, name := range []string{"/a", "/b"} {
		if err := st.WriteFile(ctx, name, []byte(name)); err != nil {
			t.Fatal(err)
		}
	}
	f := NewStoreFetcher()
	defer f.Close()
	for _, name := range []string{"/a", "/b"} {
		rc, err := f.Open(ctx, c.URL()+name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(got) != name {
			t.Fatalf("read %s: %q, %v", name, got, err)
		}
	}
	if n := len(f.stores); n != 1 {
		t.Errorf("%d stores open for one HDFS, want 1", n)
	}
}

// FuzzSplitURI checks that resource URI parsing never panics, that
// refusals wrap a package sentinel, and that an accepted URI names a clean
// absolute path.
func FuzzSplitURI(f *testing.F) {
	for _, s := range []string{"file:///tmp/a", "file://localhost/a", "hdfs://h:1/a", "file:a", "file:///%2e%2e/a", "file:///a?b#c", "x:///a", "", "file:///../../etc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		_, p, err := splitURI(uri)
		if err != nil {
			if !errors.Is(err, ErrInvalidResource) {
				t.Fatalf("splitURI(%q) = %v, want ErrInvalidResource", uri, err)
			}
			return
		}
		if !strings.HasPrefix(p, "/") || filepath.Clean(p) != p {
			t.Fatalf("splitURI(%q) path %q, not a clean absolute path", uri, p)
		}
	})
}
