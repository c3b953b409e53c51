package shuffle

import "errors"

var (
	// ErrCorrupt is wrapped by the errors of a data file, index or block
	// that cannot be read as written: truncated, a length past its end, a
	// checksum that does not match.
	ErrCorrupt = errors.New("shuffle: corrupt map output")
	// ErrNotFound is wrapped when a map output is not where it should be.
	ErrNotFound = errors.New("shuffle: map output not found")
	// ErrUnauthenticated refuses a fetch that does not prove it holds the
	// application's shuffle secret.
	ErrUnauthenticated = errors.New("shuffle: fetch not authenticated for this application")
)
