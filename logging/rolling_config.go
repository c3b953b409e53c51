package logging

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// RollingConfig configures a RollingFile.
type RollingConfig struct {
	// Path is the file currently written to; rolled files are Path.1
	// (newest) to Path.MaxBackups (oldest). Its directory is created if
	// missing.
	Path string
	// MaxSize is the size in bytes at which the current file is rolled; a
	// write that would take the file past it goes to a fresh file. Must be
	// > 0.
	MaxSize int64
	// MaxBackups is how many rolled files are kept; 0 keeps none, so a
	// roll simply discards the current file's contents. Must be >= 0.
	MaxBackups int
	// MaxAge bounds the age of log data: rolled files whose modification
	// time is older than this are deleted, and the current file is rolled
	// before a write once its first byte is this old. 0 disables both.
	// Must be >= 0.
	MaxAge time.Duration
	// Now is the clock used for age decisions and the modification time
	// stamped on rolled files; nil means time.Now.
	Now func() time.Time
}

// Validate reports whether the configuration is usable.
func (c RollingConfig) Validate() error {
	switch {
	case c.Path == "":
		return fmt.Errorf("%w: rolling file path is empty", ErrInvalidConfig)
	case strings.HasSuffix(c.Path, string(os.PathSeparator)):
		return fmt.Errorf("%w: rolling file path %q names a directory", ErrInvalidConfig, c.Path)
	case c.MaxSize <= 0:
		return fmt.Errorf("%w: max size %d for %q must be > 0", ErrInvalidConfig, c.MaxSize, c.Path)
	case c.MaxBackups < 0:
		return fmt.Errorf("%w: max backups %d for %q must be >= 0", ErrInvalidConfig, c.MaxBackups, c.Path)
	case c.MaxAge < 0:
		return fmt.Errorf("%w: max age %s for %q must be >= 0", ErrInvalidConfig, c.MaxAge, c.Path)
	}
	return nil
}
