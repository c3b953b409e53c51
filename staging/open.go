package staging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"github.com/spindlehq/spindle/dfs"
)

// opened is a source being read.
type opened struct {
	r          io.ReadCloser
	executable bool
}

// checkLocal refuses a local source that is missing or not a regular
// file, before anything is copied.
func checkLocal(appID string, src Source) error {
	p, ok, err := localSourcePath(src.Location)
	if err != nil || !ok {
		return err
	}
	_, err = regularFile(appID, p)
	return err
}

// localSourcePath returns the local path of a path or file:// source, and
// false for a remote one.
func localSourcePath(loc string) (string, bool, error) {
	if !hasScheme(loc) {
		return loc, true, nil
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "", false, fmt.Errorf("%w: %q does not parse: %w", ErrInvalidSource, loc, err)
	}
	if u.Scheme != "file" {
		return "", false, nil
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", false, fmt.Errorf("%w: %q: host %q is not local; use file:///abs/path", ErrInvalidSource, loc, u.Host)
	}
	return u.Path, true, nil
}

// openSource opens src for reading: a local file, a file on HDFS, or an
// https:// download.
func (c Config) openSource(ctx context.Context, src Source) (opened, error) {
	if p, ok, err := localSourcePath(src.Location); err != nil {
		return opened{}, err
	} else if ok {
		return openLocal(c.AppID, p)
	}
	u, _ := url.Parse(src.Location) // parsed by localSourcePath
	switch u.Scheme {
	case "hdfs":
		return openHDFS(ctx, src.Location)
	case "https":
		return c.download(ctx, src.Location)
	case "http":
		return opened{}, fmt.Errorf("%w: %s: plain http:// is not fetched (nothing authenticates the server); use https://", ErrInvalidSource, src.Location)
	}
	return opened{}, fmt.Errorf("%w: %s: scheme %q; supported: a local path, file, hdfs, https", ErrInvalidSource, src.Location, u.Scheme)
}

func openLocal(appID, p string) (opened, error) {
	f, err := os.Open(p)
	if err != nil {
		return opened{}, fmt.Errorf("%w for app %s: %w", ErrInvalidSource, appID, err)
	}
	// Stat the open file: p may have been replaced since it was checked.
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file (mode %s)", p, fi.Mode())
	}
	if err != nil {
		_ = f.Close()
		return opened{}, fmt.Errorf("%w for app %s: %w", ErrInvalidSource, appID, err)
	}
	return opened{r: f, executable: fi.Mode()&0o111 != 0}, nil
}

// hdfsReader closes its store with the file.
type hdfsReader struct {
	io.ReadCloser
	store dfs.Store
}

func (h hdfsReader) Close() error {
	err := h.ReadCloser.Close()
	if cerr := h.store.Close(); err == nil {
		err = cerr
	}
	return err
}

func openHDFS(ctx context.Context, loc string) (opened, error) {
	st, p, err := dfs.Open(ctx, loc)
	if err != nil {
		return opened{}, fmt.Errorf("%w: %w", ErrInvalidSource, err)
	}
	fi, err := st.Stat(ctx, p)
	if err == nil && fi.IsDir {
		err = fmt.Errorf("%s is a directory", loc)
	}
	var rc io.ReadCloser
	if err == nil {
		rc, err = st.Open(ctx, p)
	}
	if err != nil {
		_ = st.Close()
		return opened{}, fmt.Errorf("%w: %w", ErrInvalidSource, err)
	}
	return opened{r: hdfsReader{ReadCloser: rc, store: st}}, nil
}

// download fetches an https:// source; anything but 200 OK fails.
func (c Config) download(ctx context.Context, loc string) (opened, error) {
	client := c.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return opened{}, fmt.Errorf("%w: %w", ErrInvalidSource, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return opened{}, err
		}
		return opened{}, fmt.Errorf("%w: fetch %s: %w", ErrInvalidSource, loc, err)
	}
	if resp.StatusCode != http.StatusOK {
		_ = resp.Body.Close()
		return opened{}, fmt.Errorf("%w: fetch %s: %s", ErrInvalidSource, loc, resp.Status)
	}
	return opened{r: resp.Body}, nil
}
