package minihdfs

import (
	"bytes"
	"io"
	"testing"
)

// A reader that opened a file before it was deleted (or replaced by a
// rename) reads it to the end, as from a real DataNode, whose open block
// file outlives its unlink; a stream that ended early would hand the reader
// a silently truncated file.
func TestReadOfDeletedFileCompletes(t *testing.T) {
	c := startTestCluster(t, func(cfg *Config) { cfg.BlockSize = 64 << 20 })
	cl := newClient(t, c, "alice")
	data := randomData(24<<20, 7)
	writeFile(t, cl, "/data/f", data)
	f, err := cl.Open("/data/f")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, 4096)
	if _, err := io.ReadFull(f, head); err != nil {
		t.Fatal(err)
	}
	if err := cl.Remove("/data/f"); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read after delete: %v (after %d of %d bytes)", err, len(head)+len(rest), len(data))
	}
	if got := append(head, rest...); !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes after the delete, want all %d written, unchanged", len(got), len(data))
	}
}
