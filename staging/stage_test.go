package staging

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStageCopiesHashesAndKeepsExecBit(t *testing.T) {
	cfg, root := testConfig(t, "application_1_0001")
	src := t.TempDir()
	jar := []byte(strings.Repeat("jar bytes ", 300000)) // spans several copy buffers
	script := []byte("#!/bin/sh\necho hi\n")
	paths := []string{
		writeFile(t, src, "app.jar", jar, 0o640),
		writeFile(t, src, "run.sh", script, 0o744),
	}

	res, err := Stage(context.Background(), cfg, paths)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("Stage returned %d resources, want 2", len(res))
	}
	appDir := filepath.Join(root, DirName, cfg.AppID)
	want := []struct {
		name    string
		content []byte
		exec    bool
	}{
		{"app.jar", jar, false},
		{"run.sh", script, true},
	}
	for i, w := range want {
		r := res[i]
		if r.GetName() != w.name {
			t.Errorf("resource %d name %q, want %q", i, r.GetName(), w.name)
		}
		if r.GetSha256() != sha256Hex(w.content) {
			t.Errorf("%s sha256 %s, want %s", w.name, r.GetSha256(), sha256Hex(w.content))
		}
		if r.GetSize() != int64(len(w.content)) {
			t.Errorf("%s size %d, want %d", w.name, r.GetSize(), len(w.content))
		}
		if r.GetExecutable() != w.exec {
			t.Errorf("%s executable %v, want %v", w.name, r.GetExecutable(), w.exec)
		}
		p := uriPath(t, r.GetUri())
		if p != filepath.Join(appDir, w.name) {
			t.Errorf("%s staged at %s, want %s", w.name, p, filepath.Join(appDir, w.name))
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, w.content) {
			t.Errorf("%s staged content differs from source", w.name)
		}
	}
	if got := dirEntries(t, appDir); len(got) != 2 {
		t.Errorf("app staging dir holds %v, want only the two staged files", got)
	}
}

func TestStageEscapesURI(t *testing.T) {
	cfg, root := testConfig(t, "app")
	name := "my file 1%.txt"
	p := writeFile(t, t.TempDir(), name, []byte("x"), 0o644)
	res, err := Stage(context.Background(), cfg, []string{p})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := uriPath(t, res[0].GetUri()), filepath.Join(root, DirName, "app", name); got != want {
		t.Fatalf("URI %s parses to %q, want %q", res[0].GetUri(), got, want)
	}
}

func TestStageReplacesEarlierCopy(t *testing.T) {
	cfg, _ := testConfig(t, "app")
	src := t.TempDir()
	p := writeFile(t, src, "conf.properties", []byte("a=1"), 0o644)
	if _, err := Stage(context.Background(), cfg, []string{p}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, src, "conf.properties", []byte("a=2"), 0o644)
	res, err := Stage(context.Background(), cfg, []string{p})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(uriPath(t, res[0].GetUri()))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "a=2" || res[0].GetSha256() != sha256Hex([]byte("a=2")) {
		t.Fatalf("restaged content %q sha %s, want a=2", got, res[0].GetSha256())
	}
}

func TestStageRefusesBadSources(t *testing.T) {
	src := t.TempDir()
	good := writeFile(t, src, "good.txt", []byte("ok"), 0o644)
	other := filepath.Join(src, "other")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	dup := writeFile(t, other, "good.txt", []byte("also"), 0o644)
	missing := filepath.Join(src, "missing.txt")

	tests := []struct {
		name    string
		paths   []string
		wantErr []error
		wantMsg []string
	}{
		{name: "duplicate base name", paths: []string{good, dup},
			wantErr: []error{ErrDuplicateName}, wantMsg: []string{good, dup}},
		{name: "missing", paths: []string{good, missing},
			wantErr: []error{ErrInvalidSource, fs.ErrNotExist}, wantMsg: []string{missing}},
		{name: "directory", paths: []string{good, other},
			wantErr: []error{ErrInvalidSource}, wantMsg: []string{other, "is a directory"}},
		{name: "empty path", paths: []string{""},
			wantErr: []error{ErrInvalidSource}, wantMsg: []string{"empty path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, root := testConfig(t, "application_7_0002")
			res, err := Stage(context.Background(), cfg, tt.paths)
			if err == nil {
				t.Fatalf("Stage(%v) = %v, want an error", tt.paths, res)
			}
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("Stage error %v, want %v", err, want)
				}
			}
			for _, m := range append(tt.wantMsg, cfg.AppID) {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("Stage error %q does not mention %q", err, m)
				}
			}
			// Sources are checked before any copy.
			if got := dirEntries(t, filepath.Join(root, DirName, cfg.AppID)); len(got) != 0 {
				t.Errorf("failed Stage left %v in the staging dir", got)
			}
		})
	}
}

func TestStageUnsupportedScheme(t *testing.T) {
	p := writeFile(t, t.TempDir(), "a", []byte("a"), 0o644)
	_, err := Stage(context.Background(), Config{Root: "s3://bucket/staging", AppID: "app"}, []string{p})
	if !errors.Is(err, ErrUnsupportedScheme) || !strings.Contains(err.Error(), `"s3"`) {
		t.Fatalf("Stage(s3) = %v, want ErrUnsupportedScheme naming s3", err)
	}
}

func TestStageCancelledContext(t *testing.T) {
	cfg, root := testConfig(t, "app")
	p := writeFile(t, t.TempDir(), "a.bin", []byte("content"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Stage(ctx, cfg, []string{p})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Stage(cancelled) = %v, want context.Canceled", err)
	}
	if got := dirEntries(t, filepath.Join(root, DirName, cfg.AppID)); len(got) != 0 {
		t.Errorf("cancelled Stage left %v", got)
	}
}
