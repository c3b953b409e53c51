package localizer

import "errors"

var (
	// ErrChecksumMismatch is returned when a fetched resource's SHA-256 or
	// size differs from what was recorded at staging.
	ErrChecksumMismatch = errors.New("localizer: checksum mismatch")

	// ErrInvalidResource is returned for a resource that cannot be
	// localized as given: a bad name, URI or checksum, or a duplicate.
	ErrInvalidResource = errors.New("localizer: invalid resource")

	// ErrUnsupportedScheme is returned when no Fetcher handles a
	// resource URI's scheme.
	ErrUnsupportedScheme = errors.New("localizer: unsupported scheme")

	// ErrInvalidConfig is returned by Config.Validate and New for unusable
	// settings.
	ErrInvalidConfig = errors.New("localizer: invalid config")

	// ErrInvalidRequest is returned when Localize is called without a
	// container id or with a working dir that is not an absolute path.
	ErrInvalidRequest = errors.New("localizer: invalid request")
)
