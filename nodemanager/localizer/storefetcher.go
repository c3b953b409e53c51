package localizer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sync"

	"github.com/spindlehq/spindle/dfs"
)

// StoreFetcher opens file:// and hdfs:// URIs through dfs stores. It keeps
// one store per file system (scheme, user and authority), so that
// localizing many containers from one HDFS does not connect each time;
// Close releases them. It is safe for concurrent use.
type StoreFetcher struct {
	mu     sync.Mutex
	stores map[string]dfs.Store
	closed bool
}

// NewStoreFetcher returns a StoreFetcher with no store open yet.
func NewStoreFetcher() *StoreFetcher {
	return &StoreFetcher{stores: map[string]dfs.Store{}}
}

var errFetcherClosed = errors.New("localizer: fetcher is closed")

// Open opens the regular file uri names.
func (f *StoreFetcher) Open(ctx context.Context, uri string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, p, err := splitURI(uri)
	if err != nil {
		return nil, err
	}
	st, err := f.store(ctx, root)
	if err != nil {
		return nil, err
	}
	return st.Open(ctx, p)
}

// splitURI checks uri and returns the URI of its file system's root and
// the clean path within it.
func splitURI(uri string) (root, p string, err error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", "", fmt.Errorf("%w: URI %q does not parse: %w", ErrInvalidResource, uri, err)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", "", fmt.Errorf("%w: URI %q: query and fragment are not allowed", ErrInvalidResource, uri)
	}
	if u.Opaque != "" {
		return "", "", fmt.Errorf("%w: URI %q: the path is not absolute", ErrInvalidResource, uri)
	}
	if p, err = dfs.CleanPath(u.Path); err != nil {
		return "", "", fmt.Errorf("%w: URI %q: %w", ErrInvalidResource, uri, err)
	}
	root = (&url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, Path: "/"}).String()
	return root, p, nil
}

// store returns the open store of the file system at root, opening it
// once.
func (f *StoreFetcher) store(ctx context.Context, root string) (dfs.Store, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, errFetcherClosed
	}
	if st, ok := f.stores[root]; ok {
		return st, nil
	}
	// Held across the connect: a second container for the same file
	// system waits for this one rather than connecting again.
	st, _, err := dfs.Open(ctx, root)
	if err != nil {
		if errors.Is(err, dfs.ErrUnsupportedScheme) {
			return nil, fmt.Errorf("%w: %w", ErrUnsupportedScheme, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidResource, err)
	}
	f.stores[root] = st
	return st, nil
}

// Close closes every store opened; later Opens fail.
func (f *StoreFetcher) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	var errs []error
	for k, st := range f.stores {
		errs = append(errs, st.Close())
		delete(f.stores, k)
	}
	return errors.Join(errs...)
}
