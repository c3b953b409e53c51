package staging

import (
	"fmt"
	"net/url"
	"strings"
)

// DirName is the dir under the staging root that holds one dir per
// application, as Spark's .sparkStaging does.
const DirName = ".sparkStaging"

// Config says where an application's files are staged.
type Config struct {
	// Root is the staging dir URI, e.g. file:///tmp/spindle-me/staging, as
	// spark.yarn.stagingDir. Files go to Root/.sparkStaging/AppID.
	Root string
	// AppID is the application whose files are staged; it becomes a
	// single path element, so it must not contain a separator.
	AppID string
}

// Validate reports a Root that does not parse, has an unsupported scheme
// or is not an absolute location, and an empty or unsafe AppID.
func (c Config) Validate() error {
	_, err := c.openStore()
	return err
}

// openStore validates c and returns the store for its Root's scheme.
func (c Config) openStore() (store, error) {
	if err := validateAppID(c.AppID); err != nil {
		return nil, err
	}
	if c.Root == "" {
		return nil, fmt.Errorf("%w: Root is empty", ErrInvalidConfig)
	}
	u, err := url.Parse(c.Root)
	if err != nil {
		return nil, fmt.Errorf("%w: Root %q does not parse: %w", ErrInvalidConfig, c.Root, err)
	}
	open, ok := storeOpeners[u.Scheme]
	if !ok {
		scheme := fmt.Sprintf("%q", u.Scheme)
		if u.Scheme == "" {
			scheme = "missing"
		}
		return nil, fmt.Errorf("%w: scheme %s in Root %q; supported: %s",
			ErrUnsupportedScheme, scheme, c.Root, strings.Join(supportedSchemes(), ", "))
	}
	st, err := open(u)
	if err != nil {
		return nil, fmt.Errorf("%w: Root %q: %w", ErrInvalidConfig, c.Root, err)
	}
	return st, nil
}

// validateAppID rejects ids that are not a single, ordinary path element,
// since the id names a dir that Remove deletes.
func validateAppID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: AppID is empty", ErrInvalidConfig)
	case id == "." || id == "..":
		return fmt.Errorf("%w: AppID %q is not a valid dir name", ErrInvalidConfig, id)
	case strings.ContainsAny(id, "/\\\x00"):
		return fmt.Errorf("%w: AppID %q contains a path separator or NUL", ErrInvalidConfig, id)
	}
	return nil
}
