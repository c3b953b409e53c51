package dfs

import "errors"

var (
	// ErrNotFound is returned (wrapped) for a path that does not exist.
	ErrNotFound = errors.New("dfs: not found")
	// ErrExists is returned (wrapped) when a rename's target exists.
	ErrExists = errors.New("dfs: already exists")
	// ErrInvalidPath is wrapped when a store path is empty or not absolute.
	ErrInvalidPath = errors.New("dfs: invalid path")
	// ErrPathEscapes is wrapped when a store path climbs above the store's
	// root with "..".
	ErrPathEscapes = errors.New("dfs: path escapes the store root")
	// ErrUnsupportedScheme is wrapped by Open for a URI whose scheme no
	// Store handles.
	ErrUnsupportedScheme = errors.New("dfs: unsupported URI scheme")
	// ErrHDFSNotBuilt is wrapped by Open for an hdfs:// URI when this build
	// has no HDFS client.
	ErrHDFSNotBuilt = errors.New("dfs: hdfs:// support not built")
)
