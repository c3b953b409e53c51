package localizer

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"go.uber.org/zap"
)

// storeSchemes are the schemes the default StoreFetcher serves.
var storeSchemes = []string{"file", "hdfs"}

// Config configures a Localizer.
type Config struct {
	// Fetchers maps a URI scheme (lower case, e.g. "file") to the Fetcher
	// that opens its URIs. Nil means file:// and hdfs:// through a
	// StoreFetcher that the Localizer closes; a non-nil map is used as
	// given.
	Fetchers map[string]Fetcher
	// LocalDirs are the NodeManager's local dirs
	// (yarn.nodemanager.local-dirs). A container's resources are cached
	// under the one that holds its working dir, in
	// <dir>/usercache/<user>/filecache, so that they can be hard-linked.
	LocalDirs []string
	// CacheTargetBytes is the size the caches are trimmed to, least
	// recently used first, never removing a resource a container still
	// has (yarn.nodemanager.localizer.cache.target-size-mb); 0 turns
	// caching off.
	CacheTargetBytes int64
	// Logger receives per-resource logs; nil logs nothing.
	Logger *zap.Logger
}

// DefaultConfig returns a config that fetches file:// and hdfs:// URIs,
// caches nothing and logs nothing.
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
	if c.CacheTargetBytes < 0 {
		return fmt.Errorf("%w: cache target size %d bytes is negative", ErrInvalidConfig, c.CacheTargetBytes)
	}
	if c.CacheTargetBytes > 0 && len(c.LocalDirs) == 0 {
		return fmt.Errorf("%w: a cache needs LocalDirs to live in", ErrInvalidConfig)
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

// withDefaults copies c, filling in the nil Logger; Fetchers must be set. The map is copied so
// that the caller changing theirs does not race with Localize.
func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	fetchers := make(map[string]Fetcher, len(c.Fetchers))
	for s, f := range c.Fetchers {
		fetchers[s] = f
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
