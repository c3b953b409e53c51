package localizer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/spindlehq/spindle/dfs/dfstest"
	"github.com/spindlehq/spindle/staging"
	"go.uber.org/zap"
)

// tgz returns a gzipped tar of files (name → content, mode 0644; names
// ending in .sh get 0755).
func tgz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		mode := int64(0o644)
		if filepath.Ext(name) == ".sh" {
			mode = 0o755
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLocalizeArchive stages a .tgz as --archives deps.tgz#env does and
// checks that each container gets it unpacked in env/, the second one from
// the cache.
func TestLocalizeArchive(t *testing.T) {
	src := filepath.Join(t.TempDir(), "deps.tgz")
	if err := os.WriteFile(src, tgz(t, map[string]string{"lib/lookup.csv": "sku,price\n", "bin/run.sh": "#!/bin/sh\n"}), 0o644); err != nil {
		t.Fatal(err)
	}
	root := fileURI(t.TempDir())
	res, err := staging.StageSources(context.Background(), staging.Config{Root: root, AppID: "application_1_0001"},
		[]staging.Source{{Location: src, Name: "env", Archive: true}})
	if err != nil {
		t.Fatal(err)
	}
	n := newCachedNode(t, t.TempDir(), 1<<30)
	for _, id := range []string{"container_1_0001_01_000001", "container_1_0001_01_000002"} {
		work := n.launch(t, "alice", id, res)
		if got, err := os.ReadFile(filepath.Join(work, "env/lib/lookup.csv")); err != nil || string(got) != "sku,price\n" {
			t.Fatalf("%s: env/lib/lookup.csv = %q, %v", id, got, err)
		}
		fi, err := os.Stat(filepath.Join(work, "env/bin/run.sh"))
		if err != nil || fi.Mode().Perm()&0o111 == 0 {
			t.Fatalf("%s: env/bin/run.sh not executable: %v %v", id, fi, err)
		}
		if names := dirNames(t, work); len(names) != 1 || names[0] != "env" {
			t.Errorf("%s: working dir holds %v, want only env", id, names)
		}
	}
	if got := n.fetches.opens.Load(); got != 1 {
		t.Errorf("%d fetches of the archive for two containers, want 1", got)
	}

	// Uncached, the archive is unpacked straight into the working dir.
	l, err := New(Config{Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	work := t.TempDir()
	if err := l.Localize(context.Background(), Request{ContainerID: container, WorkDir: work, Resources: res}); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(work, "env/lib/lookup.csv")); err != nil || string(got) != "sku,price\n" {
		t.Fatalf("uncached: env/lib/lookup.csv = %q, %v", got, err)
	}
}

// TestLocalizeFromHDFS stages onto the in-process HDFS and localizes from
// it with the default fetchers, as an NM on another host does.
func TestLocalizeFromHDFS(t *testing.T) {
	c := dfstest.StartHDFS(t, 256<<10)
	src := t.TempDir()
	job := filepath.Join(src, "retail")
	if err := os.WriteFile(job, jarContent, 0o755); err != nil {
		t.Fatal(err)
	}
	res, err := staging.Stage(context.Background(), staging.Config{Root: c.URL() + "/user/spindle", AppID: "application_1_0001"}, []string{job + "#job"})
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(Config{LocalDirs: []string{src}, CacheTargetBytes: 1 << 30, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	work := filepath.Join(src, "application_1_0001", container)
	if err := os.MkdirAll(work, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := l.Localize(context.Background(), Request{ContainerID: container, User: "alice", WorkDir: work, Resources: res}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(work, "job"))
	if err != nil || !bytes.Equal(got, jarContent) {
		t.Fatalf("job from HDFS: %d bytes, %v; want %d", len(got), err, len(jarContent))
	}
	if fi, _ := os.Stat(filepath.Join(work, "job")); fi.Mode().Perm() != 0o555 {
		t.Errorf("job mode %v, want 0555", fi.Mode().Perm())
	}
}
