package dfs

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrOutcomeUnknown is wrapped when a rename was sent and its answer lost,
// and the store cannot tell whether it took effect.
var ErrOutcomeUnknown = errors.New("dfs: outcome unknown")

// Publisher is a Store that can publish a file through a directory that
// must already exist, the two steps of a fenced write
// (hdfscheckpoint.Fence): CreateIn never creates the directory it writes
// in, so once another writer has moved that directory away, nothing can
// be published through it again.
type Publisher interface {
	Store
	// CreateIn streams r to the new file p, durably, and returns the
	// bytes written. p's directory must exist (ErrNotFound otherwise: it
	// is never created) and p must not (ErrExists).
	CreateIn(ctx context.Context, p string, r io.Reader) (int64, error)
	// MoveOver renames file from to to in one namespace operation,
	// replacing a file at to and creating to's parent directories. A
	// missing from is ErrNotFound. When the rename was sent but its
	// answer lost and from is gone, the error wraps ErrOutcomeUnknown.
	MoveOver(ctx context.Context, from, to string) error
}

var (
	_ Publisher = (*FileStore)(nil)
	_ Publisher = (*HDFSStore)(nil)
)

// AsPublisher returns s as a Publisher, or an error naming its type.
func AsPublisher(s Store) (Publisher, error) {
	p, ok := s.(Publisher)
	if !ok {
		return nil, fmt.Errorf("dfs: a %T cannot publish files through a fenced directory", s)
	}
	return p, nil
}
