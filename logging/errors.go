package logging

import "errors"

var (
	// ErrInvalidConfig is wrapped by every configuration validation error.
	ErrInvalidConfig = errors.New("logging: invalid config")
	// ErrInvalidLevel is wrapped when Config.Level is not a known level.
	ErrInvalidLevel = errors.New("logging: invalid level")
	// ErrInvalidFormat is wrapped when Config.Format is not a known format.
	ErrInvalidFormat = errors.New("logging: invalid format")
	// ErrClosed is returned by operations on a closed RollingFile.
	ErrClosed = errors.New("logging: rolling file is closed")
)
