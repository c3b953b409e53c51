//go:build unix

package staging

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A FIFO would block the copy until a writer appears; Stage refuses it.
func TestStageRefusesFIFO(t *testing.T) {
	cfg, _ := testConfig(t, "app")
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Stage(context.Background(), cfg, []string{fifo})
	if !errors.Is(err, ErrInvalidSource) || !strings.Contains(err.Error(), fifo) ||
		!strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Stage(fifo) = %v, want ErrInvalidSource naming %s as not a regular file", err, fifo)
	}
}
