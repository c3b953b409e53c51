package staging

import "errors"

var (
	// ErrInvalidConfig is returned when a Config's Root or AppID cannot be
	// used.
	ErrInvalidConfig = errors.New("staging: invalid config")

	// ErrUnsupportedScheme is returned when a staging dir URI's scheme has
	// no store.
	ErrUnsupportedScheme = errors.New("staging: unsupported scheme")

	// ErrDuplicateName is returned when two paths given to Stage share a
	// base name, which would make one overwrite the other.
	ErrDuplicateName = errors.New("staging: duplicate file name")

	// ErrInvalidSource is returned when a path given to Stage is missing,
	// unreadable or not a regular file.
	ErrInvalidSource = errors.New("staging: unusable source file")
)
