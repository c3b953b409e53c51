package conf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ConfFile is a configuration file that was read.
type ConfFile struct {
	// Name is the file's name, such as "yarn-site.xml".
	Name string
	// Path is where it was read from.
	Path string
	// Dir is the directory it was found in and what named it.
	Dir SearchDir
}

// String is the path and what named its directory, for messages.
func (f ConfFile) String() string {
	if f.Dir.From == "" {
		return f.Path
	}
	return f.Path + " (" + f.Dir.From + ")"
}

// Check reports a Spindle directory that is missing or not a directory, and
// any other directory of s that is not a directory, as errors wrapping
// ErrConfDir; it returns as warnings the directories named by an
// environment variable that do not exist, which are passed over, as
// Hadoop and Spark pass them over. Directories derived from HADOOP_HOME or
// SPARK_HOME that do not exist are passed over in silence.
func (s Search) Check() (warnings []string, err error) {
	var errs []error
	seen := map[string]bool{}
	check := func(d SearchDir, required bool) {
		if d.Path == "" || seen[d.Path] {
			return
		}
		seen[d.Path] = true
		info, statErr := os.Stat(d.Path)
		switch {
		case errors.Is(statErr, fs.ErrNotExist) && required:
			errs = append(errs, newError(ErrConfDir, "conf: configuration directory %s does not exist", d))
		case errors.Is(statErr, fs.ErrNotExist):
			if !strings.HasPrefix(d.From, "$") {
				warnings = append(warnings, fmt.Sprintf("configuration directory %s does not exist; nothing is read from it", d))
			}
		case statErr != nil:
			errs = append(errs, newError(ErrConfDir, "conf: configuration directory %s: %w", d, statErr))
		case !info.IsDir():
			errs = append(errs, newError(ErrConfDir, "conf: configuration directory %s is not a directory", d))
		}
	}
	check(s.Spindle, true)
	for _, d := range s.Hadoop {
		check(d, false)
	}
	for _, d := range s.Spark {
		check(d, false)
	}
	return warnings, errors.Join(errs...)
}

// Find returns the file name from the first directory searched for it
// that holds it; ok is false when none does. Errors other than the file
// not existing name the file.
func (s Search) Find(name string) (f ConfFile, data []byte, ok bool, err error) {
	for _, d := range s.dirsFor(name) {
		if d.Path == "" {
			continue
		}
		path := filepath.Join(d.Path, name)
		data, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
			// A directory that is a file is reported by Check.
			continue
		case err != nil:
			return ConfFile{}, nil, false, fmt.Errorf("conf: reading %s: %w", ConfFile{Name: name, Path: path, Dir: d}, err)
		}
		return ConfFile{Name: name, Path: path, Dir: d}, data, true, nil
	}
	return ConfFile{}, nil, false, nil
}

// LookedIn describes, one line each and in the order they are searched,
// the directories searched for the file name, whether each holds it and
// which one it is read from, and the variables that would have named a
// directory and are not set; for messages that say where a setting was
// looked for.
func (s Search) LookedIn(name string) []string {
	var lines []string
	read := false
	for _, d := range s.dirsFor(name) {
		if d.Path == "" {
			lines = append(lines, d.String())
			continue
		}
		path := filepath.Join(d.Path, name)
		info, err := os.Stat(d.Path)
		switch {
		case err != nil || !info.IsDir():
			lines = append(lines, fmt.Sprintf("%s: no such directory", d))
		case !fileExists(path):
			lines = append(lines, fmt.Sprintf("%s: no %s", d, name))
		case read:
			lines = append(lines, fmt.Sprintf("%s: %s not read, an earlier directory has %s", d, path, name))
		default:
			read = true
			lines = append(lines, fmt.Sprintf("%s: %s read", d, path))
		}
	}
	return lines
}

// fileExists reports whether path is a file that can be opened.
func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}
