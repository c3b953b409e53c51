package localizer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/unpack"
)

// obtain fetches and verifies p into dir under a hidden temporary name and
// returns it: the file, or for an archive the dir it was unpacked into.
func (l *Localizer) obtain(ctx context.Context, containerID, dir string, p planned, readOnly bool) (string, int64, error) {
	tmp, n, err := l.fetch(ctx, containerID, dir, p, readOnly)
	if err != nil || p.res.GetType() != pb.LocalResourceType_LOCAL_RESOURCE_TYPE_ARCHIVE {
		return tmp, n, err
	}
	defer os.Remove(tmp)
	out := tmp + ".d"
	if err := unpack.Archive(ctx, tmp, p.format, out); err != nil {
		return "", 0, fmt.Errorf("localizer: container %s resource %q: %w", containerID, p.res.GetName(), err)
	}
	if readOnly {
		if err := readOnlyTree(out); err != nil {
			_ = os.RemoveAll(out)
			return "", 0, fmt.Errorf("localizer: container %s resource %q: %w", containerID, p.res.GetName(), err)
		}
	}
	return out, n, nil
}

// readOnlyTree takes the write bits off every file under dir, so that the
// hard links containers get cannot change the cached copy by accident.
func readOnlyTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return os.Chmod(p, fi.Mode().Perm()&^0o222)
	})
}

// linkInto places the cached entry at src as the hidden name dst: a hard
// link for a file, a tree of dirs and hard links for an unpacked archive.
// Across file systems it copies instead.
func linkInto(src, dst string, archive bool) error {
	if !archive {
		return linkFile(src, dst)
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.Mkdir(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		default:
			return linkFile(p, target)
		}
	})
}

func linkFile(src, dst string) error {
	err := os.Link(src, dst)
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
