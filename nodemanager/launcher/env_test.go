package launcher

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func TestBuildEnv(t *testing.T) {
	t.Parallel()
	base := []string{"HOME=/home/nm", "PWD=/nm/cwd", "SHARED=nm", "DUP=first", "DUP=second", "NOEQUALS", "=hidden"}
	spec := Spec{
		WorkDir: "/work/c1",
		LogDir:  "/logs/c1",
		Env:     map[string]string{"SHARED": "spec", "CONTAINER_ID": "c1", "LOG_DIRS": "/ignored", "EMPTY": ""},
	}
	got := buildEnv(base, spec)
	want := []string{
		"CONTAINER_ID=c1",
		"DUP=second",
		"EMPTY=",
		"HOME=/home/nm",
		"LOG_DIRS=/logs/c1",
		"PWD=/work/c1",
		"SHARED=spec",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("buildEnv() =\n%q\nwant\n%q", got, want)
	}
}

func TestLookPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	exe := filepath.Join(dir, "tool")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "subdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// A relative PATH entry that does reach the tool from the test's cwd.
	relDir, err := filepath.Rel(cwd, dir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cmd     string
		path    string
		want    string
		wantErr bool
	}{
		{name: "found", cmd: "tool", path: "/nonexistent:" + dir, want: exe},
		{name: "slash kept as is", cmd: "./run.sh", path: "", want: "./run.sh"},
		{name: "not executable skipped", cmd: "plain", path: dir, wantErr: true},
		{name: "directory skipped", cmd: "subdir", path: dir, wantErr: true},
		{name: "relative entry ignored", cmd: "tool", path: relDir, wantErr: true},
		{name: "empty PATH", cmd: "tool", path: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := lookPath(tt.cmd, []string{"PATH=" + tt.path})
			if tt.wantErr {
				if !errors.Is(err, exec.ErrNotFound) {
					t.Fatalf("lookPath(%q) = %q, %v; want ErrNotFound", tt.cmd, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("lookPath(%q) = %q, %v; want %q", tt.cmd, got, err, tt.want)
			}
		})
	}
}
