package dfs

import (
	"context"
	"errors"
	"fmt"
	"github.com/spindlehq/spindle/internal/ctxio"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// FileStore is a Store over a directory of the local file system. Store
// paths are resolved under the directory, so "/a/b" is <root>/a/b. Writes
// are atomic and durable: the data goes to a temporary file in the target's
// directory (named ".<name>.<random>.tmp"), which is synced, renamed into
// place, and the directory synced, so that a crash leaves either the old or
// the new content, never a mixture.
//
// FileStore guards against ".." leaving the root but does not resolve
// symbolic links itself: a link inside the root is followed like any other
// path. A FileStore is safe for concurrent use; Rename's "target must not
// exist" check is not atomic against another process creating the target.
type FileStore struct {
	root string
}

var _ Store = (*FileStore)(nil)

// Permissions of what a FileStore creates.
const (
	fileStoreFileMode = 0o644
	fileStoreDirMode  = 0o755
)

// NewFileStore returns a Store rooted at the existing directory root.
func NewFileStore(root string) (*FileStore, error) {
	if root == "" {
		return nil, fmt.Errorf("file store root: %w", ErrInvalidPath)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("file store root %q: %w", root, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, storeErr("open file store", root, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("file store root %q is not a directory: %w", root, ErrInvalidPath)
	}
	return &FileStore{root: abs}, nil
}

// Root returns the local directory the store is rooted at.
func (s *FileStore) Root() string { return s.root }

// resolve returns the local path for the store path p, and p cleaned.
func (s *FileStore) resolve(p string) (local, clean string, err error) {
	clean, err = CleanPath(p)
	if err != nil {
		return "", "", err
	}
	return filepath.Join(s.root, filepath.FromSlash(clean)), clean, nil
}

// ReadFile returns the whole content of path.
func (s *FileStore) ReadFile(ctx context.Context, p string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	local, clean, err := s.resolve(p)
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	data, err := os.ReadFile(local)
	if err != nil {
		return nil, storeErr("read", clean, err)
	}
	return data, nil
}

// Open streams path, which must be a regular file. The caller closes the
// reader.
func (s *FileStore) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	local, clean, err := s.resolve(p)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	// Stat first: opening a FIFO would block until a writer came.
	if fi, err := os.Stat(local); err != nil {
		return nil, storeErr("open", clean, err)
	} else if err := regular(clean, fi); err != nil {
		return nil, err
	}
	f, err := os.Open(local)
	if err != nil {
		return nil, storeErr("open", clean, err)
	}
	// Stat again through the open file, in case the path was swapped.
	fi, err := f.Stat()
	if err == nil {
		err = regular(clean, fi)
	} else {
		err = storeErr("open", clean, err)
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// WriteFile writes data to path atomically, creating parent directories and
// replacing an existing file.
func (s *FileStore) WriteFile(ctx context.Context, p string, data []byte) error {
	_, err := s.writeAtomic(ctx, "write", p, func(f *os.File) (int64, error) {
		n, err := f.Write(data)
		return int64(n), err
	})
	return err
}

// WriteFrom streams r to path atomically, like WriteFile, and returns the
// number of bytes written. A cancelled ctx stops the copy and leaves any
// existing file untouched.
func (s *FileStore) WriteFrom(ctx context.Context, p string, r io.Reader) (int64, error) {
	return s.writeAtomic(ctx, "write", p, func(f *os.File) (int64, error) {
		return io.Copy(f, ctxio.Reader(ctx, r))
	})
}

// writeAtomic writes a temporary file next to p with fill, syncs it, renames
// it onto p and syncs the directory so that the rename itself survives a
// crash.
func (s *FileStore) writeAtomic(ctx context.Context, op, p string, fill func(*os.File) (int64, error)) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("%s %s: %w", op, p, err)
	}
	local, clean, err := s.resolve(p)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	if clean == "/" {
		return 0, fmt.Errorf("%s %s: the store root is a directory: %w", op, clean, ErrInvalidPath)
	}
	dir := filepath.Dir(local)
	if err := os.MkdirAll(dir, fileStoreDirMode); err != nil {
		return 0, storeErr(op, clean, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(local)+".*.tmp")
	if err != nil {
		return 0, storeErr(op, clean, err)
	}
	tmpName := tmp.Name()
	committed := false
	defer func() {
		if !committed {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	n, err := fill(tmp)
	if err != nil {
		return n, storeErr(op, clean, err)
	}
	if err := tmp.Chmod(fileStoreFileMode); err != nil {
		return n, storeErr(op, clean, err)
	}
	if err := tmp.Sync(); err != nil {
		return n, storeErr(op, clean, err)
	}
	if err := tmp.Close(); err != nil {
		return n, storeErr(op, clean, err)
	}
	if err := ctx.Err(); err != nil {
		return n, fmt.Errorf("%s %s: %w", op, clean, err)
	}
	if err := os.Rename(tmpName, local); err != nil {
		return n, storeErr(op, clean, err)
	}
	committed = true
	if err := syncDir(dir); err != nil {
		return n, storeErr(op, clean, err)
	}
	return n, nil
}

// List returns the entries of directory dir, sorted by name.
func (s *FileStore) List(ctx context.Context, dir string) ([]FileInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	local, clean, err := s.resolve(dir)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	entries, err := os.ReadDir(local) // sorted by name
	if err != nil {
		return nil, storeErr("list", clean, err)
	}
	out := make([]FileInfo, 0, len(entries))
	for _, e := range entries {
		var fi fs.FileInfo
		if e.Type()&fs.ModeSymlink != 0 {
			fi, err = os.Stat(filepath.Join(local, e.Name()))
		} else {
			fi, err = e.Info()
		}
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since ReadDir, or a dangling link
		}
		if err != nil {
			return nil, storeErr("list", path.Join(clean, e.Name()), err)
		}
		out = append(out, localFileInfo(path.Join(clean, e.Name()), fi))
	}
	return out, nil
}

// Stat describes path.
func (s *FileStore) Stat(ctx context.Context, p string) (FileInfo, error) {
	if err := ctx.Err(); err != nil {
		return FileInfo{}, fmt.Errorf("stat %s: %w", p, err)
	}
	local, clean, err := s.resolve(p)
	if err != nil {
		return FileInfo{}, fmt.Errorf("stat: %w", err)
	}
	fi, err := os.Stat(local)
	if err != nil {
		return FileInfo{}, storeErr("stat", clean, err)
	}
	return localFileInfo(clean, fi), nil
}

// Exists reports whether path exists.
func (s *FileStore) Exists(ctx context.Context, p string) (bool, error) {
	_, err := s.Stat(ctx, p)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// Rename moves from to to, creating to's parent directories; from must
// exist (else ErrNotFound) and to must not (else ErrExists).
func (s *FileStore) Rename(ctx context.Context, from, to string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rename %s to %s: %w", from, to, err)
	}
	localFrom, cleanFrom, err := s.resolve(from)
	if err != nil {
		return fmt.Errorf("rename: %w", err)
	}
	localTo, cleanTo, err := s.resolve(to)
	if err != nil {
		return fmt.Errorf("rename: %w", err)
	}
	if cleanFrom == "/" {
		return fmt.Errorf("rename %s: cannot move the store root: %w", cleanFrom, ErrInvalidPath)
	}
	if _, err := os.Lstat(localFrom); err != nil {
		return storeErr("rename", cleanFrom, err)
	}
	if _, err := os.Lstat(localTo); err == nil {
		return fmt.Errorf("rename %s to %s: %w", cleanFrom, cleanTo, ErrExists)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return storeErr("rename", cleanTo, err)
	}
	if err := os.MkdirAll(filepath.Dir(localTo), fileStoreDirMode); err != nil {
		return storeErr("rename", cleanTo, err)
	}
	if err := os.Rename(localFrom, localTo); err != nil {
		return fmt.Errorf("rename %s to %s: %w", cleanFrom, cleanTo, unwrapPathErr(err))
	}
	if err := syncDir(filepath.Dir(localTo)); err != nil {
		return storeErr("rename", cleanTo, err)
	}
	if filepath.Dir(localFrom) != filepath.Dir(localTo) {
		if err := syncDir(filepath.Dir(localFrom)); err != nil {
			return storeErr("rename", cleanFrom, err)
		}
	}
	return nil
}

// Delete removes path, recursively for a directory; a missing path is not
// an error. Deleting the store's root is refused.
func (s *FileStore) Delete(ctx context.Context, p string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s: %w", p, err)
	}
	local, clean, err := s.resolve(p)
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if clean == "/" {
		return fmt.Errorf("delete %s: refusing to delete the store root: %w", clean, ErrInvalidPath)
	}
	if err := os.RemoveAll(local); err != nil {
		return storeErr("delete", clean, err)
	}
	if err := syncDir(filepath.Dir(local)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return storeErr("delete", clean, err)
	}
	return nil
}

// MkdirAll creates dir and its parents.
func (s *FileStore) MkdirAll(ctx context.Context, dir string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mkdir %s: %w", dir, err)
	}
	local, clean, err := s.resolve(dir)
	if err != nil {
		return fmt.Errorf("mkdir: %w", err)
	}
	if err := os.MkdirAll(local, fileStoreDirMode); err != nil {
		return storeErr("mkdir", clean, err)
	}
	return nil
}

// Close does nothing: a FileStore holds no connections.
func (s *FileStore) Close() error { return nil }

// regular refuses a dir, device or FIFO where a file is to be read.
func regular(clean string, fi fs.FileInfo) error {
	switch {
	case fi.IsDir():
		return fmt.Errorf("open %s: is a directory", clean)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("open %s: not a regular file (mode %s): %w", clean, fi.Mode(), ErrInvalidPath)
	}
	return nil
}

func localFileInfo(clean string, fi fs.FileInfo) FileInfo {
	return FileInfo{
		Name:    path.Base(clean),
		Path:    clean,
		Size:    fi.Size(),
		IsDir:   fi.IsDir(),
		ModTime: fi.ModTime(),
	}
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// storeErr names the operation and store path and maps the OS's "does not
// exist" and "exists" to ErrNotFound and ErrExists. The OS path is dropped:
// it repeats the store path with the root prefixed.
func storeErr(op, p string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s %s: %w", op, p, ErrNotFound)
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%s %s: %w", op, p, ErrExists)
	}
	return fmt.Errorf("%s %s: %w", op, p, unwrapPathErr(err))
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
