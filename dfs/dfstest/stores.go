package dfstest

import (
	"context"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/internal/minihdfs"
	"github.com/spindlehq/spindle/internal/netns"
	"go.uber.org/zap/zaptest"
)

// NewFileStore returns a file store rooted at a fresh temporary directory.
func NewFileStore(tb testing.TB) *dfs.FileStore {
	tb.Helper()
	s, err := dfs.NewFileStore(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// StartHDFS starts an in-process NameNode and DataNode with blockSize
// bytes per block (0: minihdfs's default), closed when tb ends. The
// Hadoop environment is isolated so that the machine's own
// configuration directories cannot leak in; the user is "spindle".
func StartHDFS(tb testing.TB, blockSize int64) *minihdfs.Cluster {
	tb.Helper()
	return StartHDFSOn(tb, nil, blockSize)
}

// StartHDFSOn is StartHDFS in the test host h (nil: on loopback): the
// NameNode and DataNode listen on its address, and a crash of the host
// stops them.
func StartHDFSOn(tb testing.TB, h *netns.Host, blockSize int64) *minihdfs.Cluster {
	tb.Helper()
	tb.Setenv("HADOOP_CONF_DIR", tb.TempDir())
	tb.Setenv("HADOOP_HOME", "")
	tb.Setenv("SPINDLE_CONF_DIR", "")
	tb.Setenv("YARN_CONF_DIR", "")
	tb.Setenv("HADOOP_USER_NAME", "spindle")
	cfg := minihdfs.DefaultConfig()
	if blockSize > 0 {
		cfg.BlockSize = blockSize
	}
	cfg.Logger = zaptest.NewLogger(tb)
	if h == nil {
		return minihdfs.StartForTest(tb, cfg)
	}
	cfg.NameNodeAddr, cfg.DataNodeAddr = h.Addr(0), h.Addr(0)
	var c *minihdfs.Cluster
	if err := h.Run(func() (err error) { c, err = minihdfs.Start(cfg); return err }); err != nil {
		tb.Fatalf("start mini HDFS on host %s: %v", h.Name, err)
	}
	tb.Cleanup(c.Close)
	h.OnCrash(c.Close)
	return c
}

// NewHDFSStore connects an HDFS store to the NameNode at addr as user
// "spindle", with short retry backoffs; edit, when not nil, changes the
// configuration first. The store is closed when tb ends.
func NewHDFSStore(tb testing.TB, addr string, edit func(*dfs.HDFSConfig)) *dfs.HDFSStore {
	tb.Helper()
	cfg := dfs.DefaultHDFSConfig()
	cfg.Addresses = []string{addr}
	cfg.User = "spindle"
	cfg.Backoff = 10 * time.Millisecond
	cfg.MaxBackoff = 50 * time.Millisecond
	cfg.Logger = zaptest.NewLogger(tb)
	if edit != nil {
		edit(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := dfs.NewHDFSStore(ctx, cfg)
	if err != nil {
		tb.Fatalf("connect to HDFS at %s: %v", addr, err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}
