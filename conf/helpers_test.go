package conf

import (
	"os"
	"path/filepath"
	"testing"
)

// noEnv is a LookupEnv with no variables, so tests do not depend on the
// environment they run in.
func noEnv(string) (string, bool) { return "", false }

// envOf returns a LookupEnv over vars.
func envOf(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// site wraps properties, given as name and value pairs, in a Hadoop
// configuration file, one property per line starting at line 2.
func site(pairs ...string) string {
	s := "<configuration>\n"
	for i := 0; i+1 < len(pairs); i += 2 {
		s += "<property><name>" + pairs[i] + "</name><value>" + pairs[i+1] + "</value></property>\n"
	}
	return s + "</configuration>\n"
}

// confDir writes files (name to content) into a new directory.
func confDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// mustLoad loads opts, failing the test on error.
func mustLoad(t *testing.T, opts LoadOptions) *Config {
	t.Helper()
	if opts.LookupEnv == nil {
		opts.LookupEnv = noEnv
	}
	c, err := Load(opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}
