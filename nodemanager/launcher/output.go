package launcher

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

const (
	// dirPerm is the mode of the working and log directories the launcher
	// creates.
	dirPerm os.FileMode = 0o750
	// logFilePerm is the mode of the default stdout and stderr files.
	logFilePerm os.FileMode = 0o640

	stdoutFile = "stdout"
	stderrFile = "stderr"
)

// ensureDir creates dir with dirPerm when it does not exist yet. An
// existing directory keeps its mode, since whoever made it chose it.
func ensureDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return err
	}
	// The umask may have narrowed the mode MkdirAll used.
	return os.Chmod(dir, dirPerm)
}

// openLogFile opens LogDir/name for appending, so a relaunch into the same
// directory keeps the earlier output.
func openLogFile(logDir, name string) (*os.File, error) {
	path := filepath.Join(logDir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, logFilePerm)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(logFilePerm); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// outputs holds the writers a process's stdout and stderr go to, and
// closes each distinct one exactly once.
type outputs struct {
	stdout, stderr io.WriteCloser
}

// openDefaults opens the default log file for each writer left nil. On
// error the writers set so far stay in o for the caller to close.
func (o *outputs) openDefaults(logDir string) error {
	if o.stdout == nil {
		f, err := openLogFile(logDir, stdoutFile)
		if err != nil {
			return fmt.Errorf("open stdout: %w", err)
		}
		o.stdout = f
	}
	if o.stderr == nil {
		f, err := openLogFile(logDir, stderrFile)
		if err != nil {
			return fmt.Errorf("open stderr: %w", err)
		}
		o.stderr = f
	}
	return nil
}

// close closes each distinct writer once.
func (o outputs) close() error {
	var errs []error
	if o.stdout != nil {
		errs = append(errs, o.stdout.Close())
	}
	if o.stderr != nil && !sameWriter(o.stdout, o.stderr) {
		errs = append(errs, o.stderr.Close())
	}
	return errors.Join(errs...)
}

// sameWriter reports whether a and b are the same writer. Comparing
// interfaces whose dynamic type is not comparable panics, in which case
// they are treated as different.
func sameWriter(a, b io.WriteCloser) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}
