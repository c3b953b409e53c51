package unpack

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"github.com/spindlehq/spindle/internal/ctxio"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Archive expands the archive file src, of format f, into the new dir
// dest. The entries are written into a hidden temporary dir beside dest,
// which is renamed to dest once complete, so dest appears whole or not at
// all. Files get mode 0755 when the archive marks them executable, else
// 0644; symbolic links must be relative and stay inside dest.
func Archive(ctx context.Context, src string, f Format, dest string) error {
	tmp, err := os.MkdirTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".unpack-*")
	if err != nil {
		return fmt.Errorf("unpack %s: %w", src, err)
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(tmp)
		}
	}()
	root, err := os.OpenRoot(tmp)
	if err != nil {
		return fmt.Errorf("unpack %s: %w", src, err)
	}
	w := &writer{ctx: ctx, root: root}
	switch f {
	case Zip:
		err = w.unzip(src)
	case Tar, TarGz:
		err = w.untarFile(src, f == TarGz)
	default:
		err = fmt.Errorf("%w: format %v (supported: %s)", ErrUnknownFormat, f, Supported())
	}
	if err == nil {
		err = w.links()
	}
	if cerr := root.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("unpack %s: %w", src, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("unpack %s: %w", src, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		return fmt.Errorf("unpack %s: %w", src, err)
	}
	done = true
	return nil
}

// writer writes entries under root. Symbolic links are made last, so that
// no entry is ever written through a link the archive itself made.
type writer struct {
	ctx   context.Context
	root  *os.Root
	later []link
}

type link struct{ name, target string }

// local checks an entry name and returns it cleaned, slash-separated.
func local(name string) (string, error) {
	clean := path.Clean(strings.TrimSuffix(name, "/"))
	if !filepath.IsLocal(filepath.FromSlash(clean)) {
		return "", fmt.Errorf("%w: %q leaves the target dir", ErrUnsafeEntry, name)
	}
	return clean, nil
}

func (w *writer) dir(name string) error {
	clean, err := local(name)
	if err != nil || clean == "." {
		return err
	}
	return w.root.MkdirAll(clean, 0o755)
}

func (w *writer) file(name string, mode fs.FileMode, r io.Reader) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	clean, err := local(name)
	if err != nil {
		return err
	}
	if dir := path.Dir(clean); dir != "." {
		if err := w.root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	perm := fs.FileMode(0o644)
	if mode&0o111 != 0 {
		perm = 0o755
	}
	out, err := w.root.OpenFile(clean, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, ctxio.Reader(w.ctx, r)); err != nil {
		_ = out.Close()
		return fmt.Errorf("%s: %w", clean, err)
	}
	return out.Close()
}

// symlink records a link to make once every file is written; its target
// must be relative and resolve inside the target dir.
func (w *writer) symlink(name, target string) error {
	clean, err := local(name)
	if err != nil {
		return err
	}
	if path.IsAbs(target) || !filepath.IsLocal(filepath.FromSlash(path.Join(path.Dir(clean), target))) {
		return fmt.Errorf("%w: link %q points outside the target dir (%q)", ErrUnsafeEntry, name, target)
	}
	w.later = append(w.later, link{name: clean, target: target})
	return nil
}

func (w *writer) links() error {
	for _, l := range w.later {
		if dir := path.Dir(l.name); dir != "." {
			if err := w.root.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
		if err := w.root.Symlink(l.target, l.name); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) unzip(src string) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, f := range zr.File {
		mode := f.Mode()
		switch {
		case mode.IsDir():
			err = w.dir(f.Name)
		case mode&fs.ModeSymlink != 0:
			err = w.zipLink(f)
		case mode.IsRegular():
			err = w.zipFile(f)
		default:
			err = fmt.Errorf("%w: %q is a %v", ErrUnsafeEntry, f.Name, mode.Type())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) zipFile(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	return w.file(f.Name, f.Mode(), rc)
}

// maxLinkTarget bounds the link target read from a zip entry.
const maxLinkTarget = 4096

func (w *writer) zipLink(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	target, err := io.ReadAll(io.LimitReader(rc, maxLinkTarget+1))
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	if len(target) > maxLinkTarget {
		return fmt.Errorf("%w: link %q has a target longer than %d bytes", ErrUnsafeEntry, f.Name, maxLinkTarget)
	}
	return w.symlink(f.Name, string(target))
}

func (w *writer) untarFile(src string, gzipped bool) error {
	fh, err := os.Open(src)
	if err != nil {
		return err
	}
	defer fh.Close()
	var r io.Reader = fh
	if gzipped {
		gz, err := gzip.NewReader(fh)
		if err != nil {
			return err
		}
		defer gz.Close()
		r = gz
	}
	return w.untar(tar.NewReader(r))
}

func (w *writer) untar(tr *tar.Reader) error {
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = w.dir(h.Name)
		case tar.TypeReg:
			err = w.file(h.Name, fs.FileMode(h.Mode), tr)
		case tar.TypeSymlink:
			err = w.symlink(h.Name, h.Linkname)
		case tar.TypeXGlobalHeader:
		default:
			err = fmt.Errorf("%w: %q has tar type %q (only files, dirs and relative links are unpacked)", ErrUnsafeEntry, h.Name, string(h.Typeflag))
		}
		if err != nil {
			return err
		}
	}
}
