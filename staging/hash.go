package staging

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
)

// copyBufferSize is large enough that per-read overhead (including the
// context check) is negligible next to the copy itself.
const copyBufferSize = 1 << 20

// HashFile returns the hex SHA-256 and the size of the file at path.
func HashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("staging: hash file: %w", err)
	}
	defer f.Close()
	d := newDigest()
	if _, err := io.CopyBuffer(d, struct{ io.Reader }{f}, make([]byte, copyBufferSize)); err != nil {
		return "", 0, fmt.Errorf("staging: hash file %s: %w", path, err)
	}
	return d.sum(), d.n, nil
}

// digest is an io.Writer that hashes and counts what is written to it.
type digest struct {
	h hash.Hash
	n int64
}

func newDigest() *digest { return &digest{h: sha256.New()} }

func (d *digest) Write(p []byte) (int, error) {
	d.h.Write(p) // a hash.Hash never returns an error
	d.n += int64(len(p))
	return len(p), nil
}

// sum is the hex SHA-256 of everything written so far.
func (d *digest) sum() string { return hex.EncodeToString(d.h.Sum(nil)) }
