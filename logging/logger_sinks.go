package logging

import (
	"errors"

	"go.uber.org/zap/zapcore"
)

// noSync hides the Sync of a WriteSyncer.
type noSync struct{ w zapcore.WriteSyncer }

func (n noSync) Write(p []byte) (int, error) { return n.w.Write(p) }
func (noSync) Sync() error                   { return nil }

// closedFile drops writes once the file is closed, so that entries logged
// during shutdown are not each followed by a write-error report.
type closedFile struct{ f *RollingFile }

func (c closedFile) Write(p []byte) (int, error) {
	n, err := c.f.Write(p)
	if errors.Is(err, ErrClosed) {
		return len(p), nil
	}
	return n, err
}

func (c closedFile) Sync() error {
	if err := c.f.Sync(); !errors.Is(err, ErrClosed) {
		return err
	}
	return nil
}

// nopCloser is the Closer of a logger without a file.
type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// fileCloser syncs, then closes, a logger's rolling file.
type fileCloser struct{ f *RollingFile }

func (c fileCloser) Close() error {
	err := c.f.Sync()
	if errors.Is(err, ErrClosed) {
		return nil
	}
	return errors.Join(err, c.f.Close())
}
