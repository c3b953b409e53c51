package launcher

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Spec describes one container process to launch.
type Spec struct {
	// ContainerID identifies the container in errors and logs.
	ContainerID string
	// WorkDir is the container's working directory; it is created if
	// missing and becomes the process's cwd and $PWD. Must be absolute.
	WorkDir string
	// LogDir receives the default stdout and stderr files and is exported
	// to the process as $LOG_DIRS. Must be absolute.
	LogDir string
	// Command is the argv to execute. Command[0] is looked up in PATH
	// (Env's PATH when set, else the NodeManager's) when it has no slash;
	// a relative path with a slash is taken relative to WorkDir.
	Command []string
	// Env is added to the NodeManager's own environment, overriding
	// variables of the same name. PWD and LOG_DIRS are always set by the
	// launcher.
	Env map[string]string
	// Stdout receives the process's standard output; nil means the file
	// LogDir/stdout. The launcher closes it once the process has finished,
	// or when Start fails.
	Stdout io.WriteCloser
	// Stderr receives the process's standard error; nil means the file
	// LogDir/stderr. Closed like Stdout.
	Stderr io.WriteCloser
	// User, when set, is the OS user the process runs as; it owns WorkDir
	// and LogDir by then (User.Own). Nil runs it as the NodeManager's user.
	User *User
}

// Validate reports the first missing or unusable field, naming it and the
// container.
func (s Spec) Validate() error {
	if s.ContainerID == "" {
		return fmt.Errorf("%w: ContainerID is empty", ErrInvalidSpec)
	}
	if err := validateDir("WorkDir", s.WorkDir); err != nil {
		return fmt.Errorf("%w: container %s: %w", ErrInvalidSpec, s.ContainerID, err)
	}
	if err := validateDir("LogDir", s.LogDir); err != nil {
		return fmt.Errorf("%w: container %s: %w", ErrInvalidSpec, s.ContainerID, err)
	}
	if len(s.Command) == 0 || s.Command[0] == "" {
		return fmt.Errorf("%w: container %s: Command is empty", ErrInvalidSpec, s.ContainerID)
	}
	for k := range s.Env {
		// execve cannot carry such names; a key with '=' would also
		// silently set a different variable.
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return fmt.Errorf("%w: container %s: Env key %q is not a valid variable name", ErrInvalidSpec, s.ContainerID, k)
		}
	}
	return nil
}

func validateDir(field, dir string) error {
	if dir == "" {
		return fmt.Errorf("%s is empty", field)
	}
	// A relative directory would depend on the NodeManager's own cwd.
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("%s %q is not an absolute path", field, dir)
	}
	return nil
}
