package conf

import (
	"errors"
	"fmt"
)

var (
	// ErrConfDir is wrapped when the configuration directory is missing or
	// is not a directory.
	ErrConfDir = errors.New("conf: bad configuration directory")
	// ErrSyntax is wrapped when a configuration file is not well-formed
	// Hadoop configuration XML or a --conf override is not KEY=VALUE.
	ErrSyntax = errors.New("conf: syntax error")
	// ErrUnknownKey is wrapped when a key under "spindle." is not known.
	ErrUnknownKey = errors.New("conf: unknown key")
	// ErrInvalidValue is wrapped when a value does not fit its key's type.
	ErrInvalidValue = errors.New("conf: invalid value")
	// ErrInvalidSize is wrapped by ParseSize errors.
	ErrInvalidSize = errors.New("conf: invalid size")
	// ErrInvalidDuration is wrapped by ParseDuration errors.
	ErrInvalidDuration = errors.New("conf: invalid duration")
	// ErrExpansion is wrapped when ${...} references form a cycle or nest
	// too deeply.
	ErrExpansion = errors.New("conf: cannot expand value")
	// ErrNotSet is wrapped when a typed accessor is asked for a key that has
	// no value.
	ErrNotSet = errors.New("conf: key not set")
)

// kindError carries a message of its own while still matching a sentinel
// with errors.Is, so that messages need not end in the sentinel's text.
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

// newError formats an error that matches kind and any %w arguments.
func newError(kind error, format string, args ...any) error {
	return &kindError{kind: kind, err: fmt.Errorf(format, args...)}
}
