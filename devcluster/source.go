package devcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ModulePath is Spindle's Go module, whose source the demo's job is built
// from.
const ModulePath = "github.com/spindlehq/spindle"

// Paths of the retail example within the module.
const (
	RetailPackage = "./examples/retail"
	RetailRegions = "examples/retail/regions.csv"
)

// FindSource returns the root of the Spindle source tree that holds start
// or one of its parents: the directory whose go.mod declares ModulePath and
// that has the retail example. It fails with ErrNoSource, saying where it
// looked.
func FindSource(start string) (string, error) {
	abs, err := filepath.Abs(start)
	if err != nil {
		return "", fmt.Errorf("devcluster: find the source from %s: %w", start, err)
	}
	for dir := abs; ; dir = filepath.Dir(dir) {
		if isSource(dir) {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	return "", fmt.Errorf("%w: no go.mod of %s with %s in %s or its parents; the demo builds its job from Spindle's source: run spindle dev --demo in a checkout (git clone the repository, then make dev) or pass --source DIR", ErrNoSource, ModulePath, RetailPackage, abs)
}

// isSource reports whether dir is the root of Spindle's module with the
// retail example in it.
func isSource(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	module := ""
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			module = strings.Trim(strings.TrimSpace(rest), `"`)
			break
		}
	}
	if module != ModulePath {
		return false
	}
	for _, p := range []string{filepath.Join(RetailPackage, "main.go"), RetailRegions} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			return false
		}
	}
	return true
}

// BuildJob builds the Go package pkg (relative to the source root src) to
// out with `go build`, which leaves out as it is when it is up to date. A
// missing go command fails with the reason.
func BuildJob(ctx context.Context, src, pkg, out string) error {
	if !isSource(src) {
		return fmt.Errorf("%w: %s is not a checkout of %s with %s", ErrNoSource, src, ModulePath, RetailPackage)
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("devcluster: building %s needs the go command, which is not on PATH: %w", pkg, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("devcluster: directory for %s: %w", out, err)
	}
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", out, pkg)
	cmd.Dir = src
	if raw, err := cmd.CombinedOutput(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("devcluster: go build -o %s %s in %s: %w\n%s", out, pkg, src, err, strings.TrimSpace(string(raw)))
		}
		return fmt.Errorf("devcluster: go build %s: %w", pkg, err)
	}
	return nil
}
