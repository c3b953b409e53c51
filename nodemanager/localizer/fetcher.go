package localizer

import (
	"context"
	"io"
)

// Fetcher opens the content a resource URI names. Implementations handle
// one URI scheme each (file, and later hdfs through a checkpoint store).
type Fetcher interface {
	// Open returns a reader of the resource's bytes; the caller closes it.
	// ctx bounds the open; reads are bounded by the caller.
	Open(ctx context.Context, uri string) (io.ReadCloser, error)
}
