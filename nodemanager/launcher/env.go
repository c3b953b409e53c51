package launcher

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spindlehq/spindle/launch"
)

// envPath is the container's search path for its command.
const envPath = "PATH"

// buildEnv merges base (KEY=VALUE entries, later ones winning) with the
// spec's variables and the launcher-owned ones, sorted for a stable result.
func buildEnv(base []string, spec Spec) []string {
	vars := make(map[string]string, len(base)+len(spec.Env)+2)
	for _, kv := range base {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		vars[k] = v
	}
	for k, v := range spec.Env {
		vars[k] = v
	}
	// The launcher's own variables override the NodeManager's and the
	// Spec's, as YARN's do.
	vars[launch.EnvPWD] = spec.WorkDir
	vars[launch.EnvLogDirs] = spec.LogDir

	env := make([]string, 0, len(vars))
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	return env
}

// envValue returns the value of key in env, the last entry winning.
func envValue(env []string, key string) string {
	val := ""
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			val = v
		}
	}
	return val
}

// lookPath resolves name against the container's PATH rather than the
// NodeManager's, so a Spec that sets PATH finds its own binaries.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	for _, dir := range filepath.SplitList(envValue(env, envPath)) {
		// Relative entries would resolve against the NodeManager's cwd.
		if !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if isExecutableFile(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%q not found in PATH: %w", name, exec.ErrNotFound)
}

func isExecutableFile(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	return fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
