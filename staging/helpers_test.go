package staging

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// writeFile creates dir/name with content and mode and returns its path.
func writeFile(t *testing.T, dir, name string, content []byte, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, content, mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile's mode is subject to the umask; set it exactly.
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// testConfig returns a Config whose root is a fresh temp dir, and that
// dir's path.
func testConfig(t *testing.T, appID string) (Config, string) {
	t.Helper()
	root := t.TempDir()
	return Config{Root: fileURI(root), AppID: appID}, root
}

// fileURI is the file:// URI of the absolute path p.
func fileURI(p string) string {
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// uriPath parses a file URI and returns its path.
func uriPath(t *testing.T, uri string) string {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatalf("staged URI %q does not parse: %v", uri, err)
	}
	if u.Scheme != "file" || u.Host != "" {
		t.Fatalf("staged URI %q: want file:///…", uri)
	}
	return u.Path
}

// dirEntries lists dir's names; a missing dir has none.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names
}
