package minihdfs

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/colinmarc/hdfs/v2"
)

// Everything here goes through the unmodified colinmarc/hdfs client.

func randomData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, ^seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func writeFile(t *testing.T, cl *hdfs.Client, p string, data []byte) {
	t.Helper()
	if err := cl.MkdirAll(path.Dir(p), 0o755); err != nil {
		t.Fatalf("mkdir for %s: %v", p, err)
	}
	w, err := cl.Create(p)
	if err != nil {
		t.Fatalf("create %s: %v", p, err)
	}
	if len(data) > 0 {
		if _, err := w.Write(data); err != nil {
			t.Fatalf("write %s: %v", p, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close %s: %v", p, err)
	}
}

func exception(err error) string {
	var remote hdfs.Error
	if errors.As(err, &remote) {
		return remote.Exception()
	}
	return ""
}

func TestClientWriteReadAcrossBlocks(t *testing.T) {
	c := startTestCluster(t, func(cfg *Config) { cfg.BlockSize = 64 << 10 })
	cl := newClient(t, c, "alice")
	data := randomData(5*(64<<10)+1234, 1)
	writeFile(t, cl, "/data/f", data)
	blocks, err := c.BlockLengths("/data/f")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{65536, 65536, 65536, 65536, 65536, 1234}; !slices.Equal(blocks, want) {
		t.Fatalf("blocks %v, want %v", blocks, want)
	}
	got, err := cl.ReadFile("/data/f")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadFile: %d bytes, %v; want the %d written", len(got), err, len(data))
	}
	// Reads that start mid-chunk and cross block boundaries exercise the
	// DataNode's chunk-aligned starts.
	f, err := cl.Open("/data/f")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, r := range []struct{ off, n int }{{0, 1}, {1, 700}, {511, 2}, {65535, 3}, {65536*2 - 100, 70000}, {len(data) - 5, 5}, {100000, 200000}} {
		buf := make([]byte, r.n)
		if _, err := f.ReadAt(buf, int64(r.off)); err != nil && err != io.EOF {
			t.Fatalf("ReadAt(%d, %d): %v", r.off, r.n, err)
		}
		if !bytes.Equal(buf, data[r.off:r.off+r.n]) {
			t.Fatalf("ReadAt(%d, %d) returned other bytes", r.off, r.n)
		}
	}
}

func TestClientNamespaceOperations(t *testing.T) {
	c := startTestCluster(t, nil)
	cl := newClient(t, c, "alice")
	writeFile(t, cl, "/dir/file", []byte("hello"))
	if err := cl.MkdirAll("/dir/sub/deeper", 0o750); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		op      func() error
		wantErr error  // matched with errors.Is
		wantExc string // Java exception class when the client passes it on
	}{
		{"create existing file", func() error { _, err := cl.Create("/dir/file"); return err }, os.ErrExist, ""},
		{"create in missing directory", func() error { _, err := cl.Create("/nope/file"); return err }, os.ErrNotExist, ""},
		{"create under a file", func() error { _, err := cl.Create("/dir/file/child"); return err }, nil, classParentNotDirectory},
		{"mkdir over a file", func() error { return cl.MkdirAll("/dir/file", 0o755) }, os.ErrExist, ""},
		{"mkdir under a file", func() error { return cl.MkdirAll("/dir/file/sub", 0o755) }, nil, classParentNotDirectory},
		{"mkdir without parent", func() error { return cl.Mkdir("/a/b", 0o755) }, os.ErrNotExist, ""},
		{"stat missing", func() error { _, err := cl.Stat("/missing"); return err }, os.ErrNotExist, ""},
		{"open missing", func() error { _, err := cl.Open("/missing"); return err }, os.ErrNotExist, ""},
		{"list missing", func() error { _, err := cl.ReadDir("/missing"); return err }, os.ErrNotExist, ""},
		{"remove non-empty directory", func() error { return cl.Remove("/dir/sub") }, syscall.ENOTEMPTY, ""},
		{"rename missing", func() error { return cl.Rename("/missing", "/x") }, os.ErrNotExist, ""},
		{"rename directory onto file", func() error { return cl.Rename("/dir/sub", "/dir/file") }, nil, classIO},
		{"rename into itself", func() error { return cl.Rename("/dir", "/dir/sub/deeper/dir") }, nil, classIO},
		{"relative path", func() error { _, err := cl.Stat("relative"); return err }, nil, classInvalidPath},
		{"dot-dot path", func() error { _, err := cl.Stat("/dir/../dir"); return err }, nil, classInvalidPath},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.op()
			if err == nil {
				t.Fatal("succeeded, want an error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if tc.wantExc != "" && exception(err) != tc.wantExc {
				t.Fatalf("error %v: exception %q, want %q", err, exception(err), tc.wantExc)
			}
		})
	}

	// What those failures must not have changed, and what works.
	fi, err := cl.Stat("/dir/file")
	if err != nil || fi.Size() != 5 || fi.IsDir() || fi.Mode().Perm() != 0o644 {
		t.Fatalf("Stat(/dir/file) = %v, %v", fi, err)
	}
	if owner := fi.(*hdfs.FileInfo).Owner(); owner != "alice" {
		t.Fatalf("owner %q, want alice", owner)
	}
	if fi, err := cl.Stat("/dir/sub/deeper"); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o750 {
		t.Fatalf("Stat(/dir/sub/deeper) = %v, %v", fi, err)
	}
	writeFile(t, cl, "/dir/other", []byte("replacement"))
	if err := cl.Rename("/dir/other", "/dir/file"); err != nil {
		t.Fatalf("rename over a file: %v", err)
	}
	if got, err := cl.ReadFile("/dir/file"); err != nil || string(got) != "replacement" {
		t.Fatalf("after rename /dir/file = %q, %v", got, err)
	}
	if err := cl.RemoveAll("/dir/sub"); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, cl, "/dir"); !slices.Equal(names, []string{"file"}) {
		t.Fatalf("/dir holds %v, want [file]", names)
	}
	if err := cl.Remove("/dir/file"); err != nil {
		t.Fatal(err)
	}
	if err := cl.Remove("/dir"); err != nil {
		t.Fatalf("remove empty directory: %v", err)
	}
	if users := c.Users(); !slices.Equal(users, []string{"alice"}) {
		t.Fatalf("Users() = %v, want [alice]", users)
	}
}

func dirNames(t *testing.T, cl *hdfs.Client, dir string) []string {
	t.Helper()
	fis, err := cl.ReadDir(dir)
	if err != nil {
		t.Fatalf("ReadDir(%s): %v", dir, err)
	}
	var names []string
	for _, fi := range fis {
		names = append(names, fi.Name())
	}
	return names
}

func TestClientListingPages(t *testing.T) {
	c := startTestCluster(t, func(cfg *Config) { cfg.ListingLimit = 2 })
	cl := newClient(t, c, "bob")
	want := []string{"A", "a", "b", "c", "d.d"}
	for _, n := range []string{"c", "a", "d.d", "b", "A"} {
		writeFile(t, cl, "/l/"+n, []byte(n))
	}
	if got := dirNames(t, cl, "/l"); !slices.Equal(got, want) {
		t.Fatalf("ReadDir over pages of 2 = %v, want %v", got, want)
	}
	f, err := cl.Open("/l")
	if err != nil {
		t.Fatal(err)
	}
	first, err := f.Readdirnames(3)
	if err != nil || !slices.Equal(first, want[:3]) {
		t.Fatalf("Readdirnames(3) = %v, %v", first, err)
	}
}

func TestClientAttributesAndSummary(t *testing.T) {
	c := startTestCluster(t, nil)
	cl := newClient(t, c, "carol")
	writeFile(t, cl, "/s/a", randomData(3000, 2))
	writeFile(t, cl, "/s/t/b", randomData(1000, 3))
	if err := cl.Chmod("/s/a", 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cl.Chown("/s/a", "dave", "staff"); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := cl.Chtimes("/s/a", mtime, mtime); err != nil {
		t.Fatal(err)
	}
	fi, err := cl.Stat("/s/a")
	if err != nil {
		t.Fatal(err)
	}
	hfi := fi.(*hdfs.FileInfo)
	if fi.Mode().Perm() != 0o600 || hfi.Owner() != "dave" || hfi.OwnerGroup() != "staff" || !fi.ModTime().Equal(mtime) {
		t.Fatalf("after chmod/chown/chtimes: mode %v owner %s:%s mtime %v", fi.Mode(), hfi.Owner(), hfi.OwnerGroup(), fi.ModTime())
	}
	cs, err := cl.GetContentSummary("/s")
	if err != nil {
		t.Fatal(err)
	}
	if cs.Size() != 4000 || cs.FileCount() != 2 || cs.DirectoryCount() != 2 {
		t.Fatalf("content summary: size %d files %d dirs %d; want 4000, 2, 2", cs.Size(), cs.FileCount(), cs.DirectoryCount())
	}
	def, err := cl.ServerDefaults()
	if err != nil || def.BlockSize != 1<<20 || def.Replication != 1 || def.BytesPerChecksum != 512 {
		t.Fatalf("ServerDefaults = %+v, %v", def, err)
	}
	if err := cl.Chmod("/missing", 0o600); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("chmod of a missing path = %v", err)
	}
}

func TestClientEmptyFileAndOverwriteByRename(t *testing.T) {
	c := startTestCluster(t, nil)
	cl := newClient(t, c, "erin")
	if err := cl.CreateEmptyFile("/e"); err != nil {
		t.Fatal(err)
	}
	if got, err := cl.ReadFile("/e"); err != nil || len(got) != 0 {
		t.Fatalf("ReadFile(/e) = %q, %v", got, err)
	}
	if blocks, err := c.BlockLengths("/e"); err != nil || len(blocks) != 0 {
		t.Fatalf("empty file has blocks %v, %v", blocks, err)
	}
}

func TestCorruptReplicaIsDetected(t *testing.T) {
	c := startTestCluster(t, nil)
	cl := newClient(t, c, "frank")
	writeFile(t, cl, "/f", randomData(10000, 4))
	if err := c.CorruptReplica("/f"); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.ReadFile("/f"); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("ReadFile of a corrupt replica = %v, want a checksum error", err)
	}
	if err := c.CorruptReplica("/missing"); err == nil {
		t.Fatal("CorruptReplica of a missing file succeeded")
	}
}

func TestNamenodeStopAndRestart(t *testing.T) {
	c := startTestCluster(t, nil)
	cl := newClient(t, c, "grace")
	writeFile(t, cl, "/kept", []byte("survives"))
	addr := c.Addr()
	c.Stop()
	c.Stop() // idempotent
	if _, err := hdfs.NewClient(hdfs.ClientOptions{Addresses: []string{addr}, User: "grace"}); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("connect to a stopped namenode = %v, want connection refused", err)
	}
	if _, err := cl.Stat("/kept"); err == nil {
		t.Fatal("Stat on a client of the stopped namenode succeeded")
	}
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	if c.Addr() != addr {
		t.Fatalf("address changed across restart: %s, was %s", c.Addr(), addr)
	}
	cl2 := newClient(t, c, "grace")
	if got, err := cl2.ReadFile("/kept"); err != nil || string(got) != "survives" {
		t.Fatalf("after restart ReadFile = %q, %v", got, err)
	}
	c.Close()
	if err := c.Restart(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Restart after Close = %v, want ErrClosed", err)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"non-loopback namenode", func(c *Config) { c.NameNodeAddr = "0.0.0.0:0" }, "loopback"},
		{"bad datanode address", func(c *Config) { c.DataNodeAddr = "nonsense" }, "datanode"},
		{"unaligned block size", func(c *Config) { c.BlockSize = 1000 }, "block size"},
		{"zero replication", func(c *Config) { c.Replication = 0 }, "replication"},
		{"zero listing limit", func(c *Config) { c.ListingLimit = 0 }, "listing"},
		{"no superuser", func(c *Config) { c.Superuser = "" }, "superuser"},
		{"no logger", func(c *Config) { c.Logger = nil }, "logger"},
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	for _, tc := range cases {
		cfg := DefaultConfig()
		tc.edit(&cfg)
		if _, err := Start(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Start = %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
}
