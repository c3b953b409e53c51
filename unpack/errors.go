package unpack

import "errors"

var (
	// ErrUnsafeEntry is wrapped when an archive entry would be written
	// outside the target dir, or is a kind of file an archive may not
	// carry (device, FIFO, hard link).
	ErrUnsafeEntry = errors.New("unpack: unsafe archive entry")
	// ErrUnknownFormat is wrapped when a name has no archive extension.
	ErrUnknownFormat = errors.New("unpack: not an archive name")
)
