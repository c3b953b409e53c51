package localizer

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFilePath(t *testing.T) {
	tests := []struct {
		uri     string
		want    string
		wantErr error
		wantMsg string
	}{
		{uri: "file:///tmp/a.jar", want: "/tmp/a.jar"},
		{uri: "file://localhost/tmp/a.jar", want: "/tmp/a.jar"},
		{uri: "file:///tmp/my%20file%231", want: "/tmp/my file#1"},
		{uri: "file:///tmp/x/../a", want: "/tmp/a"},
		{uri: "file://nn.example.com/tmp/a", wantErr: ErrInvalidResource, wantMsg: `host "nn.example.com" is not local`},
		{uri: "file:tmp/a", wantErr: ErrInvalidResource, wantMsg: "not absolute"},
		{uri: "file://", wantErr: ErrInvalidResource, wantMsg: "not absolute"},
		{uri: "file:///tmp/a?x", wantErr: ErrInvalidResource, wantMsg: "query"},
		{uri: "file:///tmp/a#frag", wantErr: ErrInvalidResource, wantMsg: "fragment"},
		{uri: "file://me@localhost/tmp/a", wantErr: ErrInvalidResource, wantMsg: "user info"},
		{uri: "hdfs://nn/tmp/a", wantErr: ErrUnsupportedScheme, wantMsg: `"hdfs"`},
		{uri: "file:///%zz", wantErr: ErrInvalidResource, wantMsg: "does not parse"},
	}
	for _, tt := range tests {
		got, err := filePath(tt.uri)
		if tt.wantErr == nil {
			if err != nil || got != tt.want {
				t.Errorf("filePath(%q) = %q, %v; want %q", tt.uri, got, err, tt.want)
			}
			continue
		}
		if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("filePath(%q) = %v, want %v mentioning %q", tt.uri, err, tt.wantErr, tt.wantMsg)
		}
	}
}

func TestFileFetcherOpen(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	uri := func(p string) string { return (&url.URL{Scheme: "file", Path: p}).String() }

	rc, err := FileFetcher{}.Open(context.Background(), uri(p))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if cerr := rc.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil || string(got) != "hello" {
		t.Fatalf("read %q, %v; want hello", got, err)
	}

	if _, err := (FileFetcher{}).Open(context.Background(), uri(dir)); !errors.Is(err, ErrInvalidResource) ||
		!strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Open(dir) = %v, want ErrInvalidResource: not a regular file", err)
	}
	missing := filepath.Join(dir, "missing")
	if _, err := (FileFetcher{}).Open(context.Background(), uri(missing)); !errors.Is(err, fs.ErrNotExist) ||
		!strings.Contains(err.Error(), missing) {
		t.Errorf("Open(missing) = %v, want fs.ErrNotExist naming %s", err, missing)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (FileFetcher{}).Open(ctx, uri(p)); !errors.Is(err, context.Canceled) {
		t.Errorf("Open(cancelled) = %v, want context.Canceled", err)
	}
}

// FuzzFilePath checks that file URI parsing never panics, that refusals
// wrap a package sentinel, and that an accepted URI names a clean
// absolute path.
func FuzzFilePath(f *testing.F) {
	for _, s := range []string{"file:///tmp/a", "file://localhost/a", "file://h/a", "file:a", "file:///%2e%2e/a", "file:///a?b#c", "x:///a", "", "file:///../../etc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		p, err := filePath(uri)
		if err != nil {
			if !errors.Is(err, ErrInvalidResource) && !errors.Is(err, ErrUnsupportedScheme) {
				t.Fatalf("filePath(%q) = %v, want a localizer sentinel", uri, err)
			}
			return
		}
		if !filepath.IsAbs(p) || filepath.Clean(p) != p {
			t.Fatalf("filePath(%q) = %q, not a clean absolute path", uri, p)
		}
	})
}
