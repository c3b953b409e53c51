package localizer

import (
	"fmt"

	"github.com/spindlehq/spindle/staging"
)

// validateName accepts only a plain file name (staging.NameProblem), so
// that a resource lands directly in the working dir and never outside it.
func validateName(name string) error {
	if reason := staging.NameProblem(name); reason != "" {
		return fmt.Errorf("%w: name %q %s", ErrInvalidResource, name, reason)
	}
	return nil
}

// linkName is the hidden name a cached resource is linked under before it
// is renamed to name.
func linkName(name string) string {
	const extra = len(".") + len(".cached")
	return "." + truncate(name, staging.MaxNameLen-extra) + ".cached"
}

// tempPattern is the os.CreateTemp pattern for name's temporary file:
// hidden, and short enough to be a valid file name with CreateTemp's
// random suffix (at most 10 digits).
func tempPattern(name string) string {
	const extra = len(".") + len(".tmp-") + 10
	return "." + truncate(name, staging.MaxNameLen-extra) + ".tmp-*"
}

func truncate(name string, n int) string {
	if len(name) > n {
		return name[:n]
	}
	return name
}
