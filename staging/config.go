package staging

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/spindlehq/spindle/dfs"
)

// DirName is the dir under the staging root that holds one dir per
// application, as Spark's .sparkStaging does.
const DirName = ".sparkStaging"

// stagingSchemes are the staging roots Stage writes to: dfs's stores.
var stagingSchemes = map[string]bool{"file": true, "hdfs": true}

// Config says where an application's files are staged.
type Config struct {
	// Root is the staging dir URI, as spark.yarn.stagingDir: file:///dir
	// (a local dir, or a mount every NodeManager reads at the same path)
	// or hdfs://namenode:port/dir. Files go to Root/.sparkStaging/AppID.
	Root string
	// AppID is the application whose files are staged; it becomes a
	// single path element, so it must not contain a separator.
	AppID string
	// HTTPClient fetches https:// sources; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// Validate reports a Root that does not parse, has an unsupported scheme
// or is not an absolute location, and an empty or unsafe AppID. It does
// not reach the store.
func (c Config) Validate() error {
	_, _, err := c.location()
	return err
}

// location checks c and returns Root parsed and the app's staging dir
// path within its store.
func (c Config) location() (*url.URL, string, error) {
	if err := validateAppID(c.AppID); err != nil {
		return nil, "", err
	}
	if c.Root == "" {
		return nil, "", fmt.Errorf("%w: Root is empty", ErrInvalidConfig)
	}
	u, err := url.Parse(c.Root)
	if err != nil {
		return nil, "", fmt.Errorf("%w: Root %q does not parse: %w", ErrInvalidConfig, c.Root, err)
	}
	if !stagingSchemes[u.Scheme] {
		scheme := fmt.Sprintf("%q", u.Scheme)
		if u.Scheme == "" {
			scheme = "missing"
		}
		return nil, "", fmt.Errorf("%w: scheme %s in Root %q; supported: file, hdfs", ErrUnsupportedScheme, scheme, c.Root)
	}
	var reason string
	switch {
	case u.Opaque != "" || !strings.HasPrefix(u.Path, "/"):
		reason = "the path is not absolute"
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		reason = "a staging dir has no query or fragment"
	case u.Scheme == "file" && u.User != nil:
		reason = "a file URI carries no user"
	case u.Scheme == "file" && u.Host != "" && u.Host != "localhost":
		reason = fmt.Sprintf("host %q is not local; use file:///abs/path", u.Host)
	}
	if reason != "" {
		return nil, "", fmt.Errorf("%w: Root %q: %s", ErrInvalidConfig, c.Root, reason)
	}
	root, err := dfs.CleanPath(u.Path)
	if err != nil {
		return nil, "", fmt.Errorf("%w: Root %q: %w", ErrInvalidConfig, c.Root, err)
	}
	return u, path.Join(root, DirName, c.AppID), nil
}

// open checks c and opens its store; the caller closes it.
func (c Config) open(ctx context.Context) (dfs.Store, *url.URL, string, error) {
	u, dir, err := c.location()
	if err != nil {
		return nil, nil, "", err
	}
	st, _, err := dfs.Open(ctx, c.Root)
	if err != nil {
		return nil, nil, "", fmt.Errorf("staging: open staging dir %s (spark.yarn.stagingDir): %w", c.Root, err)
	}
	return st, u, dir, nil
}

// uriOf is the URI of path p in the store root u names.
func uriOf(u *url.URL, p string) string {
	return (&url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, Path: p}).String()
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
