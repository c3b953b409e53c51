package devcluster

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// moduleRoot is this checkout's root, from this file's location.
func moduleRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

func TestFindSource(t *testing.T) {
	root := moduleRoot(t)
	for _, start := range []string{root, filepath.Join(root, "examples", "retail"), filepath.Join(root, "devcluster")} {
		got, err := FindSource(start)
		if err != nil || got != root {
			t.Errorf("FindSource(%s) = %q, %v; want %s", start, got, err, root)
		}
	}
	// Another module, or one without the example, is not the source.
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "go.mod"), "module example.com/other\n")
	writeFile(t, filepath.Join(other, "sub", "x"), "")
	fake := t.TempDir()
	writeFile(t, filepath.Join(fake, "go.mod"), "module "+ModulePath+"\n\ngo 1.26\n")
	for _, start := range []string{filepath.Join(other, "sub"), fake} {
		_, err := FindSource(start)
		if !errors.Is(err, ErrNoSource) || !strings.Contains(err.Error(), "--source") {
			t.Errorf("FindSource(%s): %v, want ErrNoSource suggesting --source", start, err)
		}
	}
}

func TestBuildJob(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the go command is needed to build jobs:", err)
	}
	out := filepath.Join(t.TempDir(), "retail")
	if err := BuildJob(context.Background(), moduleRoot(t), RetailPackage, out); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(out)
	if err != nil || st.Mode()&0o111 == 0 {
		t.Fatalf("built job %s: %v, mode %v", out, err, st)
	}
	if err := BuildJob(context.Background(), t.TempDir(), RetailPackage, out); !errors.Is(err, ErrNoSource) {
		t.Fatalf("build outside the source: %v, want ErrNoSource", err)
	}
	if err := BuildJob(context.Background(), moduleRoot(t), "./examples/nosuchjob", out); err == nil || !strings.Contains(err.Error(), "nosuchjob") {
		t.Fatalf("build of a missing package: %v, want the go build error", err)
	}
}
