package main

import (
	"io"
	"os"
	"path/filepath"

	"github.com/spindlehq/spindle/logging"
	"github.com/spindlehq/spindle/nodemanager"
	"go.uber.org/zap"
)

// containerLoggers returns the framework logger of an AM or executor and
// the writer for the job's own log lines. In a container (SPINDLE_LOG_DIR
// set) they are spindle.log and app.log in its log dir, rolling like its
// stdout; elsewhere the framework log goes to stderr and the job's too.
func containerLoggers(level string) (*zap.Logger, io.Writer, func(), error) {
	lc := logging.DefaultConfig()
	if level != "" {
		lc.Level = level
	}
	dir := os.Getenv(nodemanager.EnvLogDir)
	if dir == "" {
		lg, closer, err := logging.New(lc)
		if err != nil {
			return nil, nil, nil, err
		}
		return lg, os.Stderr, func() { closer.Close() }, nil
	}
	lc.File = filepath.Join(dir, "spindle.log")
	lc.Stderr = io.Discard
	lg, closer, err := logging.New(lc)
	if err != nil {
		return nil, nil, nil, err
	}
	app, err := logging.OpenRolling(logging.RollingConfig{Path: filepath.Join(dir, "app.log"), MaxSize: lc.MaxSize, MaxBackups: lc.MaxBackups, MaxAge: lc.MaxAge})
	if err != nil {
		closer.Close()
		return nil, nil, nil, err
	}
	return lg, app, func() { app.Close(); closer.Close() }, nil
}
