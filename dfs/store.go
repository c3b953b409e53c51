package dfs

import (
	"context"
	"io"
	"time"
)

// Store is where checkpoints, the shutdown marker, staged jobs, the RM's
// state and aggregated logs live: hdfs:// or file://. Paths are absolute,
// slash-separated, within the store. Every write that must be atomic goes
// to a temporary file that is then renamed into place.
type Store interface {
	// ReadFile returns the whole content of path.
	ReadFile(ctx context.Context, path string) ([]byte, error)
	// Open streams path.
	Open(ctx context.Context, path string) (io.ReadCloser, error)
	// WriteFile writes data to path atomically (temporary file + rename),
	// creating parent directories and replacing an existing file.
	WriteFile(ctx context.Context, path string, data []byte) error
	// WriteFrom streams r to path atomically, like WriteFile.
	WriteFrom(ctx context.Context, path string, r io.Reader) (int64, error)
	// List returns the entries of directory dir, sorted by name.
	List(ctx context.Context, dir string) ([]FileInfo, error)
	// Stat describes path.
	Stat(ctx context.Context, path string) (FileInfo, error)
	// Exists reports whether path exists.
	Exists(ctx context.Context, path string) (bool, error)
	// Rename moves from to to; to must not exist.
	Rename(ctx context.Context, from, to string) error
	// Delete removes path, recursively for a directory; a missing path is
	// not an error.
	Delete(ctx context.Context, path string) error
	// MkdirAll creates dir and its parents.
	MkdirAll(ctx context.Context, dir string) error
	// Close releases connections.
	Close() error
}

// FileInfo describes one file or directory in a Store.
type FileInfo struct {
	Name    string
	Path    string
	Size    int64
	IsDir   bool
	ModTime time.Time
}
