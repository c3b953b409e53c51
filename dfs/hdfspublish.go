package dfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"

	"github.com/colinmarc/hdfs/v2"
	"github.com/spindlehq/spindle/internal/ctxio"
)

// CreateIn streams r to the new file p; p's directory must exist and p
// must not. The NameNode creates the file without its parents, so a
// directory moved away is never brought back by a write. A failed attempt
// is retried only while nothing has been read from r.
func (s *HDFSStore) CreateIn(ctx context.Context, p string, r io.Reader) (int64, error) {
	clean, err := s.clean("create", p)
	if err != nil {
		return 0, err
	}
	cr := &countingReader{r: ctxio.Reader(ctx, r)}
	var written int64
	tried := false
	err = s.do(ctx, "create", clean, func(c *hdfs.Client) error {
		if tried {
			// What a failed attempt left (p is this writer's own name).
			if err := c.Remove(clean); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		tried = true
		fw, err := c.Create(clean) // CREATE without OVERWRITE, createParent false
		if err != nil {
			return err
		}
		if dl, ok := ctx.Deadline(); ok {
			_ = fw.SetDeadline(dl)
		}
		w := &errWriter{w: fw}
		n, err := io.Copy(w, cr)
		if err != nil {
			s.abandon(c, fw, clean)
			if w.err == nil || cr.n > 0 {
				return permanentError{err} // the reader failed, or its data is gone
			}
			return err
		}
		if err := s.closeWriter(ctx, fw); err != nil {
			s.abandon(c, nil, clean)
			if cr.n > 0 {
				return permanentError{err}
			}
			return err
		}
		written = n
		return nil
	})
	return written, err
}

// MoveOver renames file from over to with one rename2 (OVERWRITE) call,
// which the NameNode orders against every other namespace operation. A
// rename whose answer was lost is sent again only while from still
// exists.
func (s *HDFSStore) MoveOver(ctx context.Context, from, to string) error {
	cleanFrom, err := s.clean("move", from)
	if err != nil {
		return err
	}
	cleanTo, err := s.clean("move", to)
	if err != nil {
		return err
	}
	if cleanFrom == "/" || cleanTo == "/" {
		return fmt.Errorf("move %s to %s: the root cannot move or be replaced: %w", cleanFrom, cleanTo, ErrInvalidPath)
	}
	sent := false
	return s.do(ctx, "move", cleanFrom, func(c *hdfs.Client) error {
		if sent {
			if _, err := c.Stat(cleanFrom); errors.Is(err, os.ErrNotExist) {
				return permanentError{fmt.Errorf("to %s: the rename was sent, its answer lost, and %s is gone: %w", cleanTo, cleanFrom, ErrOutcomeUnknown)}
			} else if err != nil {
				return err
			}
		}
		return sendRename(c, &sent, cleanFrom, cleanTo)
	})
}

// sendRename makes to's parent directories and renames from to to (over
// a file there), setting *sent once the rename is sent.
func sendRename(c *hdfs.Client, sent *bool, from, to string) error {
	if err := c.MkdirAll(path.Dir(to), hdfsDirMode); err != nil {
		return err
	}
	*sent = true
	if err := c.Rename(from, to); err != nil {
		return fmt.Errorf("to %s: %w", to, err)
	}
	return nil
}
