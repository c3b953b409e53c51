package localizer

import (
	"fmt"
	"strings"
)

// maxNameLen is the longest file name Linux and most filesystems accept
// (NAME_MAX); longer names are refused up front rather than by the rename.
const maxNameLen = 255

// validateName accepts only a plain file name, so that a resource lands
// directly in the working dir and never outside it.
func validateName(name string) error {
	if reason := nameProblem(name); reason != "" {
		return fmt.Errorf("%w: name %q %s", ErrInvalidResource, name, reason)
	}
	return nil
}

// nameProblem says what makes name unusable as a resource name, or "".
func nameProblem(name string) string {
	switch {
	case name == "":
		return "is empty"
	case name == "." || name == "..":
		return "is a dir reference"
	case strings.ContainsRune(name, '/'):
		return "contains a path separator"
	case strings.ContainsRune(name, 0):
		return "contains NUL"
	case len(name) > maxNameLen:
		return fmt.Sprintf("is longer than %d bytes", maxNameLen)
	}
	return ""
}

// linkName is the hidden name a cached resource is linked under before it
// is renamed to name.
func linkName(name string) string {
	const extra = len(".") + len(".cached")
	if len(name) > maxNameLen-extra {
		name = name[:maxNameLen-extra]
	}
	return "." + name + ".cached"
}

// tempPattern is the os.CreateTemp pattern for name's temporary file:
// hidden, and short enough to be a valid file name with CreateTemp's
// random suffix (at most 10 digits).
func tempPattern(name string) string {
	const extra = len(".") + len(".tmp-") + 10
	if len(name) > maxNameLen-extra {
		name = name[:maxNameLen-extra]
	}
	return "." + name + ".tmp-*"
}
