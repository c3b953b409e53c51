package staging

import "errors"

var (
	// ErrInvalidConfig is returned when a Config's Root or AppID cannot be
	// used.
	ErrInvalidConfig = errors.New("staging: invalid config")
	// ErrUnsupportedScheme is returned when a staging dir URI's scheme has
	// no store.
	ErrUnsupportedScheme = errors.New("staging: unsupported scheme")
	// ErrDuplicateName is returned when two sources would take the same
	// name in the working dir, which would make one overwrite the other.
	ErrDuplicateName = errors.New("staging: duplicate file name")
	// ErrInvalidSource is returned when a source given to Stage is
	// missing, unreadable, not a regular file, or named in a way Spindle
	// cannot fetch or place.
	ErrInvalidSource = errors.New("staging: unusable source file")
)
