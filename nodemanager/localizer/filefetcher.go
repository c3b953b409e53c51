package localizer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
)

// FileFetcher opens file:// URIs on the local (or a locally mounted)
// filesystem. Only absolute paths are accepted, with an empty host or
// localhost, and only regular files are opened.
type FileFetcher struct{}

// Open opens the regular file uri names.
func (FileFetcher) Open(ctx context.Context, uri string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := filePath(uri)
	if err != nil {
		return nil, err
	}
	// Stat before opening: opening a FIFO would block until a writer came.
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file (mode %s)", ErrInvalidResource, p, fi.Mode())
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	// Stat again through the open file, in case p was swapped meanwhile.
	if fi, err = f.Stat(); err != nil || !fi.Mode().IsRegular() {
		_ = f.Close()
		if err == nil {
			err = fmt.Errorf("%w: %s is not a regular file (mode %s)", ErrInvalidResource, p, fi.Mode())
		}
		return nil, err
	}
	return f, nil
}

// filePath returns the absolute local path of a file:// URI.
func filePath(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("%w: URI %q does not parse: %w", ErrInvalidResource, uri, err)
	}
	if u.Scheme != "file" {
		return "", fmt.Errorf("%w: scheme %q in %q; FileFetcher reads file only", ErrUnsupportedScheme, u.Scheme, uri)
	}
	var reason error
	switch {
	case u.Opaque != "":
		reason = fmt.Errorf("path %q is not absolute", u.Opaque)
	case u.User != nil:
		reason = errors.New("user info is not allowed")
	case u.Host != "" && u.Host != "localhost":
		reason = fmt.Errorf("host %q is not local", u.Host)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		reason = errors.New("query and fragment are not allowed")
	case !filepath.IsAbs(u.Path):
		reason = fmt.Errorf("path %q is not absolute", u.Path)
	}
	if reason != nil {
		return "", fmt.Errorf("%w: URI %q: %w", ErrInvalidResource, uri, reason)
	}
	return filepath.Clean(u.Path), nil
}
