package dfs

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// openHDFS opens the Store for an hdfs:// URI. It is nil in builds without
// an HDFS client; the HDFS backend sets it from an init function so that
// Open needs no import of it.
var openHDFS func(ctx context.Context, u *url.URL) (Store, error)

// supportedSchemes is named in the error for an unknown scheme.
const supportedSchemes = "file, hdfs"

// Open returns the Store for a store URI and the path within it that
// the URI names:
//
//   - file:///abs/dir gives a FileStore rooted at the local "/" and the
//     path "/abs/dir" (the host must be empty or "localhost");
//   - hdfs://namenode:port/dir and hdfs:///dir give the HDFS store for the
//     namenode (or the configured default) and the path "/dir".
//
// The caller closes the Store. A path that climbs above "/" with ".." is
// refused with ErrPathEscapes.
func Open(ctx context.Context, uri string) (Store, string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, "", fmt.Errorf("open store %q: %w", uri, err)
	}
	switch u.Scheme {
	case "file":
		return openFileURI(uri, u)
	case "hdfs":
		if openHDFS == nil {
			return nil, "", fmt.Errorf("open store %q: %w", uri, ErrHDFSNotBuilt)
		}
		p, err := uriPath(uri, u)
		if err != nil {
			return nil, "", err
		}
		st, err := openHDFS(ctx, u)
		if err != nil {
			return nil, "", fmt.Errorf("open store %q: %w", uri, err)
		}
		return st, p, nil
	case "":
		return nil, "", fmt.Errorf("open store %q: no URI scheme (supported: %s): %w", uri, supportedSchemes, ErrUnsupportedScheme)
	default:
		return nil, "", fmt.Errorf("open store %q: scheme %q (supported: %s): %w", uri, u.Scheme, supportedSchemes, ErrUnsupportedScheme)
	}
}

func openFileURI(uri string, u *url.URL) (Store, string, error) {
	if u.Host != "" && !strings.EqualFold(u.Host, "localhost") {
		return nil, "", fmt.Errorf("open store %q: a file URI names no host (use file:///path): %w", uri, ErrInvalidPath)
	}
	p, err := uriPath(uri, u)
	if err != nil {
		return nil, "", err
	}
	st, err := NewFileStore("/")
	if err != nil {
		return nil, "", fmt.Errorf("open store %q: %w", uri, err)
	}
	return st, p, nil
}

// uriPath returns the cleaned absolute path of u, "/" when it has none.
func uriPath(uri string, u *url.URL) (string, error) {
	if u.Opaque != "" {
		return "", fmt.Errorf("open store %q: the path must be absolute (%s:///path): %w", uri, u.Scheme, ErrInvalidPath)
	}
	p := u.Path
	if p == "" {
		p = "/"
	}
	clean, err := CleanPath(p)
	if err != nil {
		return "", fmt.Errorf("open store %q: %w", uri, err)
	}
	return clean, nil
}
