package containermonitor

import "errors"

var (
	// ErrInvalidConfig is wrapped by Config.Validate and New when a
	// configuration field has an unusable value.
	ErrInvalidConfig = errors.New("containermonitor: invalid config")

	// ErrInvalidContainer is wrapped by Container.Validate when a container
	// cannot be monitored.
	ErrInvalidContainer = errors.New("containermonitor: invalid container")

	// ErrMalformedStat is wrapped by errors from parsing a /proc/<pid>/stat
	// file whose contents do not follow the kernel's format.
	ErrMalformedStat = errors.New("containermonitor: malformed /proc stat")
)
