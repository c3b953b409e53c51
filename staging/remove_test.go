package staging

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRemove(t *testing.T) {
	root := t.TempDir()
	p := writeFile(t, t.TempDir(), "a.jar", []byte("a"), 0o644)
	mine := Config{Root: fileURI(root), AppID: "application_1_0001"}
	other := Config{Root: fileURI(root), AppID: "application_1_0002"}
	for _, cfg := range []Config{mine, other} {
		if _, err := Stage(context.Background(), cfg, []string{p}); err != nil {
			t.Fatal(err)
		}
	}

	if err := Remove(context.Background(), mine); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, DirName, mine.AppID)); !os.IsNotExist(err) {
		t.Errorf("app staging dir still there after Remove: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, DirName, other.AppID, "a.jar")); err != nil {
		t.Errorf("Remove touched another app's staging dir: %v", err)
	}
	// Removing again, or an app that never staged, is not an error.
	if err := Remove(context.Background(), mine); err != nil {
		t.Errorf("second Remove = %v, want nil", err)
	}
}

func TestRemoveErrors(t *testing.T) {
	if err := Remove(context.Background(), Config{Root: "s3://bucket/x", AppID: "app"}); !errors.Is(err, ErrUnsupportedScheme) {
		t.Errorf("Remove(s3) = %v, want ErrUnsupportedScheme", err)
	}
	if err := Remove(context.Background(), Config{Root: "file:///tmp"}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("Remove(no app) = %v, want ErrInvalidConfig", err)
	}

	cfg, root := testConfig(t, "app")
	p := writeFile(t, t.TempDir(), "a", []byte("a"), 0o644)
	if _, err := Stage(context.Background(), cfg, []string{p}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Remove(ctx, cfg); !errors.Is(err, context.Canceled) {
		t.Errorf("Remove(cancelled) = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(root, DirName, "app", "a")); err != nil {
		t.Errorf("cancelled Remove removed files: %v", err)
	}
}
