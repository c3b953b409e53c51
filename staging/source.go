package staging

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/spindlehq/spindle/unpack"
)

// Source is one file an application ships: its binary, a --files entry or
// an --archives entry.
type Source struct {
	// Location is where the file is: a local path, or a file://, hdfs://
	// or https:// URI (fetched by the submitter, then staged).
	Location string
	// Name is what it is called in the container's working dir: the
	// #alias, else the base name of Location.
	Name string
	// Archive asks for the file to be unpacked into a dir called Name
	// (.zip, .tar, .tar.gz, .tgz).
	Archive bool
	// Executable marks the staged file executable whatever the source's
	// mode (a job binary fetched from HDFS or HTTPS has none).
	Executable bool
}

// ParseSource reads Spark's "location#alias" form: a local path or a URI,
// with an optional name for the working dir after '#'.
func ParseSource(spec string, archive bool) (Source, error) {
	if spec == "" {
		return Source{}, fmt.Errorf("%w: empty path", ErrInvalidSource)
	}
	loc, alias := spec, ""
	if hasScheme(spec) {
		u, err := url.Parse(spec)
		if err != nil {
			return Source{}, fmt.Errorf("%w: %q does not parse: %w", ErrInvalidSource, spec, err)
		}
		alias = u.Fragment
		u.Fragment, u.RawFragment = "", ""
		loc = u.String()
	} else if i := strings.LastIndexByte(spec, '#'); i >= 0 {
		loc, alias = spec[:i], spec[i+1:]
	}
	name := alias
	if name == "" {
		name = baseName(loc)
	}
	if reason := NameProblem(name); reason != "" {
		return Source{}, fmt.Errorf("%w: %q: the name %q in the working dir %s", ErrInvalidSource, spec, name, reason)
	}
	if archive && unpack.FormatOf(baseName(loc)) == unpack.None {
		return Source{}, fmt.Errorf("%w: archive %q: the name does not end in an archive extension (%s)", ErrInvalidSource, spec, unpack.Supported())
	}
	return Source{Location: loc, Name: name, Archive: archive}, nil
}

// ParseSources parses each spec with ParseSource.
func ParseSources(specs []string, archive bool) ([]Source, error) {
	out := make([]Source, len(specs))
	for i, s := range specs {
		var err error
		if out[i], err = ParseSource(s, archive); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// stagedName is the file name src is staged under: its Name, and for an
// archive whose Name lost the extension (deps.tgz#env) the extension too,
// so that the NodeManager knows how to unpack it.
func (s Source) stagedName() string {
	if !s.Archive {
		return s.Name
	}
	base := baseName(s.Location)
	if unpack.FormatOf(s.Name) == unpack.FormatOf(base) {
		return s.Name
	}
	return s.Name + unpack.Suffix(base)
}

// hasScheme reports whether spec starts with a URI scheme. A single
// letter before ':' is not taken for one, so that C:\dir reads as a path.
func hasScheme(spec string) bool {
	i := strings.Index(spec, "://")
	if i < 2 {
		return strings.HasPrefix(spec, "file:/")
	}
	u, err := url.Parse(spec[:i] + ":")
	return err == nil && u.Scheme != ""
}

// baseName is the last element of a path or of a URI's path.
func baseName(loc string) string {
	if hasScheme(loc) {
		if u, err := url.Parse(loc); err == nil {
			return path.Base(u.Path)
		}
	}
	return filepath.Base(loc)
}

// MaxNameLen is the longest name a resource may take in the working dir:
// the longest file name Linux accepts (NAME_MAX).
const MaxNameLen = 255

// NameProblem says what makes name unusable as a resource's name in the
// working dir, or "": only a plain file name is accepted, so that a
// resource lands directly in the working dir and never outside it.
func NameProblem(name string) string {
	switch {
	case name == "":
		return "is empty"
	case name == "." || name == "..":
		return "is a dir reference"
	case strings.ContainsRune(name, '/'):
		return "contains a path separator"
	case strings.ContainsRune(name, 0):
		return "contains NUL"
	case len(name) > MaxNameLen:
		return fmt.Sprintf("is longer than %d bytes", MaxNameLen)
	}
	return ""
}
