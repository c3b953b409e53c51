package staging

import (
	"context"
	"io"
	"net/url"
	"slices"
)

// store writes and removes staged files under one staging root. There is
// one implementation per URI scheme, so that Stage and Remove do not care
// where the files live.
type store interface {
	// put copies r into the file name in appID's staging dir, so that the
	// file appears under name only once complete, and returns its URI.
	put(ctx context.Context, appID, name string, r io.Reader, executable bool) (string, error)
	// removeApp deletes appID's staging dir; a missing dir is not an error.
	removeApp(ctx context.Context, appID string) error
}

// storeOpeners returns the store for a staging root URI, by scheme. The
// opener validates the rest of the URI.
var storeOpeners = map[string]func(root *url.URL) (store, error){
	"file": openFileStore,
}

// supportedSchemes lists storeOpeners' schemes, sorted, for error messages.
func supportedSchemes() []string {
	out := make([]string, 0, len(storeOpeners))
	for s := range storeOpeners {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
