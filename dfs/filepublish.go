package dfs

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spindlehq/spindle/internal/ctxio"
)

// CreateIn streams r to the new file p; p's directory must exist and p
// must not. The file is synced before CreateIn returns.
func (s *FileStore) CreateIn(ctx context.Context, p string, r io.Reader) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("create %s: %w", p, err)
	}
	local, clean, err := s.resolve(p)
	if err != nil {
		return 0, fmt.Errorf("create: %w", err)
	}
	// O_EXCL without MkdirAll: a missing directory is ENOENT, and the
	// directory is never brought back.
	f, err := os.OpenFile(local, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileStoreFileMode)
	if err != nil {
		return 0, storeErr("create", clean, err)
	}
	n, err := io.Copy(f, ctxio.Reader(ctx, r))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(local)
		return n, storeErr("create", clean, err)
	}
	return n, nil
}

// MoveOver renames file from over to with one rename(2), which the kernel
// orders against every other rename of the same file system.
func (s *FileStore) MoveOver(ctx context.Context, from, to string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("move %s to %s: %w", from, to, err)
	}
	localFrom, cleanFrom, err := s.resolve(from)
	if err != nil {
		return fmt.Errorf("move: %w", err)
	}
	localTo, cleanTo, err := s.resolve(to)
	if err != nil {
		return fmt.Errorf("move: %w", err)
	}
	if cleanFrom == "/" || cleanTo == "/" {
		return fmt.Errorf("move %s to %s: the store root cannot move or be replaced: %w", cleanFrom, cleanTo, ErrInvalidPath)
	}
	if err := os.MkdirAll(filepath.Dir(localTo), fileStoreDirMode); err != nil {
		return storeErr("move", cleanTo, err)
	}
	if err := os.Rename(localFrom, localTo); err != nil {
		return storeErr("move", cleanFrom, err)
	}
	if err := syncDir(filepath.Dir(localTo)); err != nil {
		return storeErr("move", cleanTo, err)
	}
	return nil
}
