package dfs

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenFileURI(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		uri      string
		wantPath string
	}{
		{"file://" + dir, dir},
		{"file://" + dir + "/", dir},
		{"file://localhost" + dir + "/ckpt/../ckpt2", dir + "/ckpt2"},
		{"file:///", "/"},
	}
	for _, tc := range cases {
		t.Run(tc.uri, func(t *testing.T) {
			st, p, err := Open(context.Background(), tc.uri)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer st.Close()
			if p != tc.wantPath {
				t.Fatalf("path = %q, want %q", p, tc.wantPath)
			}
			if _, ok := st.(*FileStore); !ok {
				t.Fatalf("store is %T, want *FileStore", st)
			}
		})
	}

	// The store is rooted at "/", so the returned path reaches dir.
	st, p, err := Open(context.Background(), "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	mustWriteFile(t, st, p+"/probe", "ok")
	if got := mustReadFile(t, st, filepath.ToSlash(filepath.Join(dir, "probe"))); got != "ok" {
		t.Fatalf("probe = %q", got)
	}
}

func TestOpenErrors(t *testing.T) {
	saved := openHDFS
	openHDFS = nil
	t.Cleanup(func() { openHDFS = saved })

	cases := []struct {
		uri       string
		target    error
		fragments []string
	}{
		{"hdfs://namenode:8020/ckpt", ErrHDFSNotBuilt, []string{"hdfs:// support not built"}},
		{"s3://bucket/ckpt", ErrUnsupportedScheme, []string{`"s3"`, "file, hdfs"}},
		{"/plain/path", ErrUnsupportedScheme, []string{"no URI scheme", "file, hdfs"}},
		{"file://otherhost/ckpt", ErrInvalidPath, []string{"file:///path"}},
		{"file:relative/ckpt", ErrInvalidPath, []string{"absolute"}},
		{"file:///../etc", ErrPathEscapes, []string{"/../etc"}},
		{"file://%zz", nil, []string{"%zz"}},
	}
	for _, tc := range cases {
		t.Run(tc.uri, func(t *testing.T) {
			st, _, err := Open(context.Background(), tc.uri)
			if err == nil {
				st.Close()
				t.Fatalf("Open(%q) succeeded", tc.uri)
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Fatalf("Open(%q) = %v, want %v", tc.uri, err, tc.target)
			}
			for _, f := range tc.fragments {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("error %q does not mention %q", err, f)
				}
			}
		})
	}
}

func TestOpenDispatchesHDFS(t *testing.T) {
	saved := openHDFS
	t.Cleanup(func() { openHDFS = saved })

	want := newFileStore(t)
	var gotURL *url.URL
	openHDFS = func(_ context.Context, u *url.URL) (Store, error) {
		gotURL = u
		return want, nil
	}
	st, p, err := Open(context.Background(), "hdfs://nn.example:8020/checkpoints/sessionizer/")
	if err != nil {
		t.Fatal(err)
	}
	if st != Store(want) || p != "/checkpoints/sessionizer" {
		t.Fatalf("Open = %v, %q", st, p)
	}
	if gotURL == nil || gotURL.Host != "nn.example:8020" {
		t.Fatalf("openHDFS got %v", gotURL)
	}

	_, p, err = Open(context.Background(), "hdfs://nn.example")
	if err != nil || p != "/" {
		t.Fatalf("Open without a path = %q, %v; want /", p, err)
	}

	boom := errors.New("namenode unreachable")
	openHDFS = func(context.Context, *url.URL) (Store, error) { return nil, boom }
	if _, _, err := Open(context.Background(), "hdfs:///ckpt"); !errors.Is(err, boom) || !strings.Contains(err.Error(), "hdfs:///ckpt") {
		t.Fatalf("Open with a failing HDFS = %v", err)
	}
}
