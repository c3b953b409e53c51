package staging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
)

const (
	// dirPerm lets NodeManagers running as another local user read the
	// staged files through the filesystem.
	dirPerm = 0o755
	// copyBufferSize is large enough that per-read overhead (including the
	// context check) is negligible next to the copy itself.
	copyBufferSize = 1 << 20
)

// fileStore stages files on a local or locally mounted filesystem.
type fileStore struct {
	// root is the absolute, cleaned path of the staging root.
	root string
}

// openFileStore accepts file:///abs/path and file://localhost/abs/path.
func openFileStore(u *url.URL) (store, error) {
	p, err := localPath(u)
	if err != nil {
		return nil, err
	}
	return fileStore{root: p}, nil
}

// localPath returns the absolute local path a file URI names.
func localPath(u *url.URL) (string, error) {
	switch {
	case u.Opaque != "":
		return "", fmt.Errorf("path %q is not absolute", u.Opaque)
	case u.User != nil:
		return "", errors.New("file URI must not carry user info")
	case u.Host != "" && u.Host != "localhost":
		return "", fmt.Errorf("host %q is not local; use file:///abs/path", u.Host)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", errors.New("file URI must not have a query or fragment")
	case !filepath.IsAbs(u.Path):
		return "", fmt.Errorf("path %q is not absolute", u.Path)
	}
	return filepath.Clean(u.Path), nil
}

// fileURI is the file:// URI of the absolute path p, escaped so that it
// parses back to p.
func fileURI(p string) string {
	return (&url.URL{Scheme: "file", Path: p}).String()
}

func (s fileStore) appDir(appID string) string {
	return filepath.Join(s.root, DirName, appID)
}

func (s fileStore) put(ctx context.Context, appID, name string, r io.Reader, executable bool) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	dir := s.appDir(appID)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return "", err
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// Hiding ReadFrom makes the copy go through our buffer and reader,
	// which hash and watch ctx, rather than a kernel-side copy.
	if _, err := io.CopyBuffer(struct{ io.Writer }{tmp}, r, make([]byte, copyBufferSize)); err != nil {
		return "", err
	}
	perm := os.FileMode(0o644)
	if executable {
		perm = 0o755
	}
	if err := tmp.Chmod(perm); err != nil {
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	final := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), final); err != nil {
		_ = os.Remove(tmp.Name())
		done = true
		return "", err
	}
	done = true
	return fileURI(final), nil
}

func (s fileStore) removeApp(ctx context.Context, appID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// RemoveAll reports nothing for a missing dir, which is what we want:
	// the app may never have staged anything.
	return os.RemoveAll(s.appDir(appID))
}
