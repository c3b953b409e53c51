package localizer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/spindlehq/spindle/internal/ctxio"
	"io"
	"os"

	"go.uber.org/zap"
)

// fetch copies p's content into a hidden temporary file in dir while
// hashing it, and returns the file's path once the content is verified and
// its mode set (read-only when readOnly). On failure nothing is left
// behind.
func (l *Localizer) fetch(ctx context.Context, containerID, dir string, p planned, readOnly bool) (string, int64, error) {
	name, uri := p.res.GetName(), p.res.GetUri()
	fail := func(what string, err error) error {
		return fmt.Errorf("localizer: container %s resource %q: %s %s: %w", containerID, name, what, uri, err)
	}
	rc, err := p.fetcher.Open(ctx, uri)
	if err != nil {
		return "", 0, fail("open", err)
	}
	defer rc.Close()

	tmp, err := os.CreateTemp(dir, tempPattern(name))
	if err != nil {
		return "", 0, fail("create temporary file for", err)
	}
	kept := false
	defer func() {
		if !kept {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()

	h := sha256.New()
	buf := copyBuffers.Get().(*[]byte)
	n, err := io.CopyBuffer(io.MultiWriter(tmp, h), ctxio.Reader(ctx, rc), *buf)
	copyBuffers.Put(buf)
	if err != nil {
		return "", 0, fail("copy", err)
	}
	actual := hex.EncodeToString(h.Sum(nil))
	sizeWrong := p.res.GetSize() > 0 && n != p.res.GetSize()
	if actual != p.sha256 || sizeWrong {
		l.cfg.Logger.Warn("resource checksum mismatch",
			zap.String("container", containerID),
			zap.String("resource", name),
			zap.String("uri", uri),
			zap.String("expected_sha256", p.sha256),
			zap.String("actual_sha256", actual),
			zap.Int64("expected_size", p.res.GetSize()),
			zap.Int64("actual_size", n))
		sizeNote := ""
		if sizeWrong {
			sizeNote = fmt.Sprintf("; expected size %d bytes, got %d", p.res.GetSize(), n)
		}
		return "", 0, fmt.Errorf("%w: container %s resource %q from %s: expected sha256 %s, got %s%s",
			ErrChecksumMismatch, containerID, name, uri, p.sha256, actual, sizeNote)
	}

	if err := tmp.Chmod(fileMode(p.res.GetExecutable(), readOnly)); err != nil {
		return "", 0, fail("chmod", err)
	}
	if err := tmp.Close(); err != nil {
		return "", 0, fail("write", err)
	}
	kept = true
	l.cfg.Logger.Debug("resource fetched",
		zap.String("container", containerID),
		zap.String("resource", name),
		zap.String("uri", uri),
		zap.Int64("bytes", n))
	return tmp.Name(), n, nil
}

// fileMode is a localized file's mode: executable or not, and read-only
// for a cached file that containers share through hard links.
func fileMode(executable, readOnly bool) os.FileMode {
	perm := os.FileMode(0o644)
	if executable {
		perm = 0o755
	}
	if readOnly {
		perm &^= 0o222
	}
	return perm
}
