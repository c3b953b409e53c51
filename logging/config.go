package logging

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
)

// Log levels accepted by Config.Level.
const (
	LevelDebug = "debug"
	LevelInfo  = "info"
	LevelWarn  = "warn"
	LevelError = "error"
)

// Output formats accepted by Config.Format.
const (
	FormatConsole = "console"
	FormatJSON    = "json"
)

var (
	validLevels  = []string{LevelDebug, LevelInfo, LevelWarn, LevelError}
	validFormats = []string{FormatConsole, FormatJSON}
)

// Config configures a daemon logger built by New.
type Config struct {
	// Level is the minimum level logged: debug, info, warn or error.
	Level string
	// Format is the line encoding: console (tab-separated, human-oriented)
	// or json (one object per line).
	Format string
	// File is the path of the rolling log file; empty logs to Stderr only.
	// Its directory is created if missing.
	File string
	// MaxSize is the size in bytes at which File is rolled; used only when
	// File is set.
	MaxSize int64
	// MaxBackups is how many rolled copies of File are kept; used only when
	// File is set.
	MaxBackups int
	// MaxAge is the age after which log data in File is rolled and rolled
	// copies are deleted; 0 means no age limit. Used only when File is set.
	MaxAge time.Duration
	// Stderr receives every line in addition to File; nil means os.Stderr
	// and io.Discard silences it.
	Stderr io.Writer
}

// DefaultConfig returns info-level console logging to stderr, with rolling
// limits that apply once File is set: 128 MiB per file, 10 rolled files,
// seven days.
func DefaultConfig() Config {
	return Config{
		Level:      LevelInfo,
		Format:     FormatConsole,
		MaxSize:    128 << 20,
		MaxBackups: 10,
		MaxAge:     7 * 24 * time.Hour,
	}
}

// Validate reports whether the configuration is usable. Errors for an
// unknown level or format name the value and the valid ones.
func (c Config) Validate() error {
	if _, err := parseLevel(c.Level); err != nil {
		return err
	}
	if !slices.Contains(validFormats, c.Format) {
		return fmt.Errorf("%w %q: valid formats are %s", ErrInvalidFormat, c.Format, strings.Join(validFormats, ", "))
	}
	if c.File != "" {
		if err := c.rolling().Validate(); err != nil {
			return fmt.Errorf("log file %q: %w", c.File, err)
		}
	}
	return nil
}

// rolling returns the RollingConfig for c.File.
func (c Config) rolling() RollingConfig {
	return RollingConfig{
		Path:       c.File,
		MaxSize:    c.MaxSize,
		MaxBackups: c.MaxBackups,
		MaxAge:     c.MaxAge,
	}
}

// parseLevel maps one of the accepted level names to a zap level. It is
// stricter than zapcore.ParseLevel, which also accepts panic and fatal
// levels that daemons must not be configured to filter at.
func parseLevel(s string) (zapcore.Level, error) {
	switch s {
	case LevelDebug:
		return zapcore.DebugLevel, nil
	case LevelInfo:
		return zapcore.InfoLevel, nil
	case LevelWarn:
		return zapcore.WarnLevel, nil
	case LevelError:
		return zapcore.ErrorLevel, nil
	}
	return 0, fmt.Errorf("%w %q: valid levels are %s", ErrInvalidLevel, s, strings.Join(validLevels, ", "))
}
