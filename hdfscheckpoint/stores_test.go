package hdfscheckpoint

import (
	"context"
	"testing"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/dfs/dfstest"
	"github.com/spindlehq/spindle/internal/minihdfs"
)

// The checkpoint tests run on real stores from dfstest.

func newFileStore(tb testing.TB) *dfs.FileStore { return dfstest.NewFileStore(tb) }

func startMiniHDFS(tb testing.TB, blockSize int64) *minihdfs.Cluster {
	return dfstest.StartHDFS(tb, blockSize)
}

func newTestHDFSStore(tb testing.TB, addr string, edit func(*dfs.HDFSConfig)) *dfs.HDFSStore {
	return dfstest.NewHDFSStore(tb, addr, edit)
}

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
