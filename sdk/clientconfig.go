package sdk

import (
	"encoding/hex"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"go.uber.org/zap"
)

// ClientConfig configures NewClient.
type ClientConfig struct {
	// Path is the job binary to run. Exactly one of Path and Cmd is set.
	Path string
	// Cmd runs the job binary, for callers that set its working directory
	// or environment; Cmd.Path is the file whose checksum is checked.
	// Exactly one of Path and Cmd is set.
	Cmd *exec.Cmd
	// Env, with Path, is added to this process's environment for the
	// job's ("NAME=VALUE" each).
	Env []string
	// SHA256 is the hex SHA-256 the binary must have; a binary whose
	// checksum differs is not run (ErrChecksumMismatch). Required.
	SHA256 string
	// ChecksumVerified says that the caller has already checked the
	// binary against SHA256, as a NodeManager checks every file it
	// localizes before the container starts, and that nothing can have
	// changed it since: the binary is not read and hashed again.
	ChecksumVerified bool
	// ConnectionOnly keeps records and outputs on the plugin's connection
	// rather than in memory shared with it, as with a job built with an
	// sdk that has no shared memory; for comparing the two paths.
	ConnectionOnly bool
	// AppLog receives the job's log, one JSON line per entry, and anything
	// else the job writes to stdout or stderr, including a crash's trace;
	// use io.Discard to drop it. Lines are written whole. Required.
	AppLog io.Writer
	// Logger receives the framework's messages about the plugin, such as
	// its exit; nil logs nothing.
	Logger *zap.Logger
	// StartTimeout bounds the time from starting the binary to its first
	// answer.
	StartTimeout time.Duration
}

// DefaultClientConfig returns a config with go-plugin's start timeout and
// no logger; the caller sets the binary, its checksum and AppLog.
func DefaultClientConfig() ClientConfig {
	return ClientConfig{StartTimeout: time.Minute, Logger: zap.NewNop()}
}

// Validate reports the first invalid field.
func (c ClientConfig) Validate() error {
	switch {
	case c.Path == "" && c.Cmd == nil:
		return fmt.Errorf("%w: no job binary: set Path or Cmd", ErrInvalidConfig)
	case c.Path != "" && c.Cmd != nil:
		return fmt.Errorf("%w: both Path %q and Cmd are set; set one", ErrInvalidConfig, c.Path)
	case c.Cmd != nil && c.Cmd.Path == "":
		return fmt.Errorf("%w: Cmd has no Path", ErrInvalidConfig)
	case c.Cmd != nil && c.Cmd.Process != nil:
		return fmt.Errorf("%w: Cmd %s has already been started", ErrInvalidConfig, c.Cmd.Path)
	case c.AppLog == nil:
		return fmt.Errorf("%w: AppLog is nil; use io.Discard to drop the job's log", ErrInvalidConfig)
	case c.StartTimeout <= 0:
		return fmt.Errorf("%w: StartTimeout %v must be positive", ErrInvalidConfig, c.StartTimeout)
	}
	if _, err := decodeSHA256(c.SHA256); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return nil
}

// binaryPath is the file that runs.
func (c ClientConfig) binaryPath() string {
	if c.Cmd != nil {
		return c.Cmd.Path
	}
	return c.Path
}

func decodeSHA256(s string) ([]byte, error) {
	sum, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(sum) != 32 {
		return nil, fmt.Errorf("SHA256 %q is not a SHA-256 in hex (64 hex digits)", s)
	}
	return sum, nil
}
