package hdfscheckpoint

import "github.com/spindlehq/spindle/dfs"

// The checkpoint log is kept on a dfs store; these are dfs's types and
// errors under the names the log's API uses.
type (
	// Store is the file system a Log, the marker and MoveCheckpointAside
	// work on: dfs.Store.
	Store = dfs.Store
	// FileInfo describes one entry of a Store: dfs.FileInfo.
	FileInfo = dfs.FileInfo
)

var (
	// ErrNotFound is dfs.ErrNotFound: a path that does not exist.
	ErrNotFound = dfs.ErrNotFound
	// ErrExists is dfs.ErrExists: a rename's target exists.
	ErrExists = dfs.ErrExists
	// ErrInvalidPath is dfs.ErrInvalidPath: an empty or relative path.
	ErrInvalidPath = dfs.ErrInvalidPath
	// ErrPathEscapes is dfs.ErrPathEscapes: a path that climbs above the
	// store's root.
	ErrPathEscapes = dfs.ErrPathEscapes
)

// cleanStorePath checks and cleans a store path, as dfs.CleanPath.
func cleanStorePath(p string) (string, error) { return dfs.CleanPath(p) }
