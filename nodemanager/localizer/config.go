package localizer

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"go.uber.org/zap"
)

// fileScheme is the scheme FileFetcher handles.
const fileScheme = "file"

// Config configures a Localizer.
type Config struct {
	// Fetchers maps a URI scheme (lower case, e.g. "file") to the Fetcher
	// that opens its URIs. Nil means file:// only, through FileFetcher; a
	// non-nil map is used as given.
	Fetchers map[string]Fetcher
	// Logger receives per-resource logs; nil logs nothing.
	Logger *zap.Logger
}

// DefaultConfig returns a config that fetches file:// URIs and logs
// nothing.
func DefaultConfig() Config {
	return Config{Logger: zap.NewNop()}
}

// Validate reports an empty map, a scheme that is not a valid lower-case
// URI scheme, or a nil Fetcher.
func (c Config) Validate() error {
	if c.Fetchers != nil && len(c.Fetchers) == 0 {
		return fmt.Errorf("%w: Fetchers is empty; leave it nil for file:// only", ErrInvalidConfig)
	}
	for scheme, f := range c.Fetchers {
		if !validScheme(scheme) {
			return fmt.Errorf("%w: Fetchers key %q is not a lower-case URI scheme", ErrInvalidConfig, scheme)
		}
		if f == nil {
			return fmt.Errorf("%w: Fetcher for scheme %q is nil", ErrInvalidConfig, scheme)
		}
	}
	return nil
}

// validScheme reports whether s is what url.Parse yields as a scheme,
// which it always lower-cases.
func validScheme(s string) bool {
	if s == "" || s != strings.ToLower(s) {
		return false
	}
	u, err := url.Parse(s + ":x")
	return err == nil && u.Scheme == s
}

// withDefaults copies c, filling in the nil fields. The map is copied so
// that the caller changing theirs does not race with Localize.
func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	fetchers := map[string]Fetcher{fileScheme: FileFetcher{}}
	if c.Fetchers != nil {
		fetchers = make(map[string]Fetcher, len(c.Fetchers))
		for s, f := range c.Fetchers {
			fetchers[s] = f
		}
	}
	c.Fetchers = fetchers
	return c
}

// schemes lists the configured schemes, sorted, for error messages.
func (c Config) schemes() []string {
	out := make([]string, 0, len(c.Fetchers))
	for s := range c.Fetchers {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
