//go:build unix

package localizer

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A FIFO would block Open until a writer appears; FileFetcher refuses it.
func TestFileFetcherRefusesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	uri := (&url.URL{Scheme: "file", Path: fifo}).String()
	_, err := FileFetcher{}.Open(context.Background(), uri)
	if !errors.Is(err, ErrInvalidResource) || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Open(fifo) = %v, want ErrInvalidResource: not a regular file", err)
	}
}
