package dfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/colinmarc/hdfs/v2/hadoopconf"
	"github.com/spindlehq/spindle/internal/minihdfs"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
)

// isolateHadoopEnv points the Hadoop configuration at an empty directory so
// that the machine's own configuration directories cannot leak into a test, and
// returns that directory.
func isolateHadoopEnv(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HADOOP_CONF_DIR", dir)
	t.Setenv("HADOOP_HOME", "")
	t.Setenv("SPINDLE_CONF_DIR", "")
	t.Setenv("YARN_CONF_DIR", "")
	t.Setenv("HADOOP_USER_NAME", "")
	return dir
}

func startMiniHDFS(tb testing.TB, blockSize int64) *minihdfs.Cluster {
	tb.Helper()
	cfg := minihdfs.DefaultConfig()
	cfg.BlockSize = blockSize
	cfg.Logger = zaptest.NewLogger(tb)
	return minihdfs.StartForTest(tb, cfg)
}

func newTestHDFSStore(tb testing.TB, addr string, edit func(*HDFSConfig)) *HDFSStore {
	tb.Helper()
	cfg := DefaultHDFSConfig()
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
	s, err := NewHDFSStore(ctx, cfg)
	if err != nil {
		tb.Fatalf("NewHDFSStore(%s): %v", addr, err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func writeHadoopConf(t *testing.T, dir, file string, props map[string]string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<configuration>\n")
	for k, v := range props {
		fmt.Fprintf(&b, "  <property><name>%s</name><value>%s</value></property>\n", k, v)
	}
	b.WriteString("</configuration>\n")
	if err := os.WriteFile(filepath.Join(dir, file), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestHDFSStoreContract(t *testing.T) {
	isolateHadoopEnv(t)
	runStoreContract(t, func(t *testing.T) Store {
		c := startMiniHDFS(t, 1<<20)
		return newTestHDFSStore(t, c.Addr(), nil)
	})
}

func TestHDFSStoreMultiBlockFiles(t *testing.T) {
	isolateHadoopEnv(t)
	const blockSize = 1 << 20
	c := startMiniHDFS(t, blockSize)
	s := newTestHDFSStore(t, c.Addr(), nil)
	ctx := context.Background()
	cases := []struct {
		name       string
		size       int
		wantBlocks int
	}{
		{"one byte", 1, 1},
		{"one chunk less a byte", 511, 1},
		{"exactly one block", blockSize, 1},
		{"one block and a byte", blockSize + 1, 2},
		{"three and a half blocks", 3*blockSize + blockSize/2 + 77, 4},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := randomBytes(tc.size, uint64(i))
			p := fmt.Sprintf("/multi/%d/file.bin", i)
			if err := s.WriteFile(ctx, p, data); err != nil {
				t.Fatal(err)
			}
			got, err := s.ReadFile(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("ReadFile returned %d bytes differing from the %d written", len(got), len(data))
			}
			blocks, err := c.BlockLengths(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(blocks) != tc.wantBlocks {
				t.Fatalf("file has blocks %v, want %d blocks", blocks, tc.wantBlocks)
			}
			fi, err := s.Stat(ctx, p)
			if err != nil || fi.Size != int64(tc.size) {
				t.Fatalf("Stat = %+v, %v; want size %d", fi, err, tc.size)
			}

			// The same through the streaming calls.
			sp := p + ".streamed"
			n, err := s.WriteFrom(ctx, sp, bytes.NewReader(data))
			if err != nil || n != int64(len(data)) {
				t.Fatalf("WriteFrom = %d, %v", n, err)
			}
			rc, err := s.Open(ctx, sp)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			got, err = io.ReadAll(rc)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("streamed read: %d bytes, err %v; want the %d written", len(got), err, len(data))
			}
		})
	}
}

func TestHDFSStoreAtomicWriteLeavesNoTemporaryFile(t *testing.T) {
	isolateHadoopEnv(t)
	c := startMiniHDFS(t, 1<<20)
	s := newTestHDFSStore(t, c.Addr(), nil)
	ctx := context.Background()
	// A temporary file left behind by a writer that died.
	if err := s.WriteFile(ctx, "/ck/state"+copyingSuffix, []byte("torn")); err != nil {
		t.Fatal(err)
	}
	for i, content := range []string{"first, the longer version", "second"} {
		if err := s.WriteFile(ctx, "/ck/state", []byte(content)); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if got := mustReadFile(t, s, "/ck/state"); got != content {
			t.Fatalf("after write %d read %q, want %q", i, got, content)
		}
		if names := listNames(t, s, "/ck"); !slices.Equal(names, []string{"state"}) {
			t.Fatalf("after write %d /ck holds %v, want only state", i, names)
		}
	}
}

func TestHDFSStoreWriteOverDirectoryFails(t *testing.T) {
	isolateHadoopEnv(t)
	c := startMiniHDFS(t, 1<<20)
	s := newTestHDFSStore(t, c.Addr(), nil)
	ctx := context.Background()
	mustWriteFile(t, s, "/d/inner/f", "x")
	err := s.WriteFile(ctx, "/d/inner", []byte("y"))
	if err == nil || !strings.Contains(err.Error(), "/d/inner") {
		t.Fatalf("WriteFile over a directory = %v, want an error naming it", err)
	}
	if names := listNames(t, s, "/d"); !slices.Equal(names, []string{"inner"}) {
		t.Fatalf("/d holds %v after the failed write, want only inner", names)
	}
	if _, err := s.ReadFile(ctx, "/d/inner"); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("ReadFile of a directory = %v, want a non-not-found error", err)
	}
	if _, err := s.List(ctx, "/d/inner/f"); err == nil || !strings.Contains(err.Error(), "/d/inner/f") {
		t.Fatalf("List of a file = %v, want an error naming it", err)
	}
}

func TestHDFSStoreRootIsProtected(t *testing.T) {
	isolateHadoopEnv(t)
	c := startMiniHDFS(t, 1<<20)
	s := newTestHDFSStore(t, c.Addr(), nil)
	ctx := context.Background()
	mustWriteFile(t, s, "/keep", "k")
	for name, err := range map[string]error{
		"delete":    s.Delete(ctx, "/"),
		"rename":    s.Rename(ctx, "/", "/elsewhere"),
		"write":     s.WriteFile(ctx, "/", []byte("x")),
		"relative":  s.WriteFile(ctx, "relative/path", []byte("x")),
		"escape":    s.MkdirAll(ctx, "/../up"),
		"empty dir": s.MkdirAll(ctx, ""),
	} {
		if !errors.Is(err, ErrInvalidPath) && !errors.Is(err, ErrPathEscapes) {
			t.Errorf("%s: error %v, want ErrInvalidPath or ErrPathEscapes", name, err)
		}
	}
	if got := mustReadFile(t, s, "/keep"); got != "k" {
		t.Fatalf("/keep = %q after refused operations", got)
	}
}

func TestHDFSStoreNamenodeStopped(t *testing.T) {
	isolateHadoopEnv(t)
	c := startMiniHDFS(t, 1<<20)
	const retries = 3
	s := newTestHDFSStore(t, c.Addr(), func(cfg *HDFSConfig) { cfg.Retries = retries })
	ctx := context.Background()
	mustWriteFile(t, s, "/before", "kept")

	c.Stop()
	// The retry budget: backoffs of 10, 20, 40ms plus four refused dials.
	budget := 5 * time.Second
	for name, op := range map[string]func() error{
		"stat":  func() error { _, err := s.Stat(ctx, "/before"); return err },
		"read":  func() error { _, err := s.ReadFile(ctx, "/before"); return err },
		"write": func() error { return s.WriteFile(ctx, "/during", []byte("x")) },
		"list":  func() error { _, err := s.List(ctx, "/"); return err },
	} {
		start := time.Now()
		err := op()
		elapsed := time.Since(start)
		t.Logf("%s with the namenode stopped, after %v: %v", name, elapsed, err)
		switch {
		case err == nil:
			t.Fatalf("%s with the namenode stopped succeeded", name)
		case errors.Is(err, ErrNotFound):
			t.Fatalf("%s with the namenode stopped = %v, want an unreachable error, not ErrNotFound", name, err)
		case !strings.Contains(err.Error(), c.Addr()) || !strings.Contains(err.Error(), fmt.Sprintf("after %d attempts", retries+1)):
			t.Fatalf("%s error %q does not name the namenode %s and the %d attempts", name, err, c.Addr(), retries+1)
		case elapsed > budget:
			t.Fatalf("%s took %v, beyond the retry budget %v", name, elapsed, budget)
		}
	}

	// A cancelled context ends the retries at once.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Stat(cctx, "/before"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stat with a cancelled context = %v", err)
	}

	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	if got := mustReadFile(t, s, "/before"); got != "kept" {
		t.Fatalf("after restart /before = %q", got)
	}
	if ok, err := s.Exists(ctx, "/during"); ok || err != nil {
		t.Fatalf("Exists(/during) = %v, %v; the failed write must leave nothing", ok, err)
	}
}

func TestHDFSStoreReconnectsAfterNamenodeRestart(t *testing.T) {
	isolateHadoopEnv(t)
	c := startMiniHDFS(t, 1<<20)
	s := newTestHDFSStore(t, c.Addr(), func(cfg *HDFSConfig) { cfg.Retries = 2 })
	mustWriteFile(t, s, "/a", "1")
	// The store's connection dies with the namenode; the next operations
	// find out and reconnect within their retries.
	c.Stop()
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	mustWriteFile(t, s, "/b", "2")
	if got := mustReadFile(t, s, "/a") + mustReadFile(t, s, "/b"); got != "12" {
		t.Fatalf("read %q after the restart", got)
	}
}

func TestNewHDFSStoreUnreachable(t *testing.T) {
	isolateHadoopEnv(t)
	addr := deadAddr(t)
	cfg := DefaultHDFSConfig()
	cfg.Addresses = []string{addr}
	cfg.User = "spindle"
	cfg.Retries = 1
	cfg.Backoff = 10 * time.Millisecond
	_, err := NewHDFSStore(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("NewHDFSStore(%s) = %v, want an unreachable error naming it", addr, err)
	}
}

func TestHDFSStoreUser(t *testing.T) {
	c := startMiniHDFS(t, 1<<20)
	cases := []struct {
		name, envUser, cfgUser, uriUser, want string
	}{
		{name: "HADOOP_USER_NAME", envUser: "etl", want: "etl"},
		{name: "configured user wins", envUser: "etl", cfgUser: "ops", want: "ops"},
		{name: "URI user wins", envUser: "etl", uriUser: "analyst", want: "analyst"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			isolateHadoopEnv(t)
			t.Setenv("HADOOP_USER_NAME", tc.envUser)
			ctx := context.Background()
			var s Store
			if tc.uriUser != "" {
				st, _, err := Open(ctx, "hdfs://"+tc.uriUser+"@"+c.Addr()+"/")
				if err != nil {
					t.Fatal(err)
				}
				s = st
			} else {
				cfg := DefaultHDFSConfig()
				cfg.Addresses = []string{c.Addr()}
				cfg.User = tc.cfgUser
				st, err := NewHDFSStore(ctx, cfg)
				if err != nil {
					t.Fatal(err)
				}
				s = st
			}
			defer s.Close()
			p := fmt.Sprintf("/users/%d", i)
			mustWriteFile(t, s, p, "x")
			owner, _, err := c.Owner(p)
			if err != nil || owner != tc.want {
				t.Fatalf("owner of %s = %q, %v; want %q", p, owner, err, tc.want)
			}
		})
	}
}

func TestOpenHDFSNameservice(t *testing.T) {
	dir := isolateHadoopEnv(t)
	c := startMiniHDFS(t, 1<<20)
	// An HA pair whose first NameNode is down: the client fails over.
	writeHadoopConf(t, dir, "hdfs-site.xml", map[string]string{
		"dfs.nameservices":                         "minicluster",
		"dfs.ha.namenodes.minicluster":             "nn1, nn2",
		"dfs.namenode.rpc-address.minicluster.nn1": deadAddr(t),
		"dfs.namenode.rpc-address.minicluster.nn2": c.Addr(),
	})
	writeHadoopConf(t, dir, "core-site.xml", map[string]string{"fs.defaultFS": "hdfs://minicluster"})
	t.Setenv("HADOOP_USER_NAME", "spindle")
	ctx := context.Background()
	for _, uri := range []string{"hdfs://minicluster/ckpt/job", "hdfs:///ckpt/job"} {
		s, p, err := Open(ctx, uri)
		if err != nil {
			t.Fatalf("Open(%s): %v", uri, err)
		}
		if p != "/ckpt/job" {
			t.Fatalf("Open(%s) path %q", uri, p)
		}
		mustWriteFile(t, s, p+"/offsets/1", uri)
		if got := mustReadFile(t, s, p+"/offsets/1"); got != uri {
			t.Fatalf("read %q through %s", got, uri)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestResolveNamenodes(t *testing.T) {
	conf := hadoopconf.HadoopConf{
		"fs.defaultFS":                        "hdfs://prod",
		"dfs.ha.namenodes.prod":               "nn1,nn2",
		"dfs.namenode.rpc-address.prod.nn1":   "a.example:8020",
		"dfs.namenode.rpc-address.prod.nn2":   "b.example:8020",
		"dfs.namenode.rpc-address.federated":  "c.example:9000",
		"dfs.ha.namenodes.broken":             "nn1",
		"dfs.namenode.rpc-address.other.nn1x": "unused:1",
	}
	cases := []struct {
		name    string
		conf    hadoopconf.HadoopConf
		addrs   []string
		want    []string
		wantErr string
	}{
		{"host and port as given", conf, []string{"nn.example:9820"}, []string{"nn.example:9820"}, ""},
		{"host gets the default port", conf, []string{"nn.example"}, []string{"nn.example:8020"}, ""},
		{"HA nameservice", conf, []string{"prod"}, []string{"a.example:8020", "b.example:8020"}, ""},
		{"non-HA nameservice", conf, []string{"federated"}, []string{"c.example:9000"}, ""},
		{"default FS", conf, nil, []string{"a.example:8020", "b.example:8020"}, ""},
		{"nameservice without addresses", conf, []string{"broken"}, nil, "dfs.namenode.rpc-address.broken.nn1"},
		{"no address anywhere", nil, nil, nil, "fs.defaultFS"},
		{"default FS without host", hadoopconf.HadoopConf{"fs.defaultFS": "file:///"}, nil, nil, "names no namenode"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := resolveNamenodes(tc.conf, tc.addrs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("resolveNamenodes = %v, %v; want an error mentioning %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("resolveNamenodes = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func FuzzResolveNamenodes(f *testing.F) {
	f.Add("prod", "nn1,nn2", "a:1")
	f.Add("nn.example:8020", "", "")
	f.Add("[::1]:9000", "x", "y")
	f.Add("host", " , ", "")
	f.Fuzz(func(t *testing.T, addr, ids, rpc string) {
		conf := hadoopconf.HadoopConf{"dfs.ha.namenodes.prod": ids}
		for _, id := range strings.Split(ids, ",") {
			conf["dfs.namenode.rpc-address.prod."+strings.TrimSpace(id)] = rpc
		}
		got, err := resolveNamenodes(conf, []string{addr, "prod"})
		if err != nil {
			if !strings.Contains(err.Error(), "dfs:") {
				t.Fatalf("error %q does not say where it comes from", err)
			}
			return
		}
		if len(got) < 2 {
			t.Fatalf("resolveNamenodes(%q, prod) = %v: want an address for each", addr, got)
		}
	})
}

func TestNewHDFSStoreRefusesKerberos(t *testing.T) {
	dir := isolateHadoopEnv(t)
	writeHadoopConf(t, dir, "core-site.xml", map[string]string{"hadoop.security.authentication": "kerberos"})
	cfg := DefaultHDFSConfig()
	cfg.Addresses = []string{deadAddr(t)}
	_, err := NewHDFSStore(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "kerberos") {
		t.Fatalf("NewHDFSStore with Kerberos configured = %v", err)
	}
}

func TestHDFSConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*HDFSConfig)
		want string
	}{
		{"negative retries", func(c *HDFSConfig) { c.Retries = -1 }, "retries"},
		{"zero backoff", func(c *HDFSConfig) { c.Backoff = 0 }, "backoff"},
		{"max below first backoff", func(c *HDFSConfig) { c.MaxBackoff = c.Backoff / 2 }, "backoff"},
		{"no dial timeout", func(c *HDFSConfig) { c.DialTimeout = 0 }, "timeout"},
		{"blank address", func(c *HDFSConfig) { c.Addresses = []string{" "} }, "address"},
		{"no logger", func(c *HDFSConfig) { c.Logger = nil }, "logger"},
	}
	if err := DefaultHDFSConfig().Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	for _, tc := range cases {
		cfg := DefaultHDFSConfig()
		tc.edit(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestHDFSStoreConcurrentUse(t *testing.T) {
	isolateHadoopEnv(t)
	c := startMiniHDFS(t, 64<<10)
	s := newTestHDFSStore(t, c.Addr(), nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 4 {
				p := fmt.Sprintf("/conc/w%d/f%d", w, i)
				data := randomBytes(100<<10+w*1000+i, uint64(w*10+i))
				if err := s.WriteFile(ctx, p, data); err != nil {
					errs <- err
					return
				}
				got, err := s.ReadFile(ctx, p)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(got, data) {
					errs <- fmt.Errorf("%s: read back %d bytes differing from the %d written", p, len(got), len(data))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	infos, err := s.List(ctx, "/conc")
	if err != nil || len(infos) != 8 {
		t.Fatalf("List(/conc) = %d entries, %v; want 8", len(infos), err)
	}
}

func TestHDFSStoreCorruptBlockFailsRead(t *testing.T) {
	isolateHadoopEnv(t)
	c := startMiniHDFS(t, 1<<20)
	s := newTestHDFSStore(t, c.Addr(), nil)
	mustWriteFile(t, s, "/c/f", strings.Repeat("checksummed ", 1000))
	if err := c.CorruptReplica("/c/f"); err != nil {
		t.Fatal(err)
	}
	_, err := s.ReadFile(context.Background(), "/c/f")
	if err == nil || !strings.Contains(err.Error(), "checksum") || !strings.Contains(err.Error(), "/c/f") {
		t.Fatalf("ReadFile of a corrupt block = %v, want a checksum error naming the file", err)
	}
}

func TestHDFSStoreClosed(t *testing.T) {
	isolateHadoopEnv(t)
	c := startMiniHDFS(t, 1<<20)
	s := newTestHDFSStore(t, c.Addr(), nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(context.Background(), "/"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("Stat on a closed store = %v", err)
	}
}

// BenchmarkHDFSWrite measures WriteFile of a 16 MiB file (temporary file,
// the write pipeline with checksums and acks, rename) through the real
// client against the in-process cluster; MB/s is reported.
func BenchmarkHDFSWrite(b *testing.B) {
	b.Setenv("HADOOP_CONF_DIR", b.TempDir())
	const size = 16 << 20
	data := randomBytes(size, 42)
	for _, blockSize := range []int64{128 << 20, 1 << 20} {
		b.Run(fmt.Sprintf("block=%dMiB", blockSize>>20), func(b *testing.B) {
			cfg := minihdfs.DefaultConfig()
			cfg.BlockSize = blockSize
			c := minihdfs.StartForTest(b, cfg)
			s := newTestHDFSStore(b, c.Addr(), func(cfg *HDFSConfig) { cfg.Logger = zap.NewNop() })
			ctx := context.Background()
			b.SetBytes(size)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if err := s.WriteFile(ctx, fmt.Sprintf("/bench/%d", i%2), data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
