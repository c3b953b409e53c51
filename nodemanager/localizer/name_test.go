package localizer

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/staging"
)

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"app.jar", true},
		{".hidden", true},
		{"...", true},
		{"with space", true},
		{`back\slash`, true}, // an ordinary character on Linux
		{strings.Repeat("x", 255), true},
		{"", false},
		{".", false},
		{"..", false},
		{"../x", false},
		{"a/b", false},
		{"/abs", false},
		{"trailing/", false},
		{"a\x00b", false},
		{strings.Repeat("x", 256), false},
	}
	for _, tt := range tests {
		err := validateName(tt.name)
		if tt.ok && err != nil {
			t.Errorf("validateName(%q) = %v, want nil", tt.name, err)
		}
		if !tt.ok && !errors.Is(err, ErrInvalidResource) {
			t.Errorf("validateName(%q) = %v, want ErrInvalidResource", tt.name, err)
		}
	}
}

func TestTempPatternFitsNameMax(t *testing.T) {
	for _, n := range []int{1, 100, 239, 240, 255} {
		name := strings.Repeat("n", n)
		p := tempPattern(name)
		// CreateTemp replaces the final * by at most 10 digits.
		if got := len(p) - 1 + 10; got > staging.MaxNameLen {
			t.Errorf("temp name for a %d-byte name can be %d bytes, over %d", n, got, staging.MaxNameLen)
		}
		if !strings.HasPrefix(p, ".") || !strings.HasSuffix(p, ".tmp-*") {
			t.Errorf("tempPattern(%d bytes) = %q, want .<name>.tmp-*", n, p)
		}
	}
}

// FuzzResourceName checks that name validation never panics and that an
// accepted name always stays a direct child of the working dir.
func FuzzResourceName(f *testing.F) {
	for _, s := range []string{"app.jar", "", ".", "..", "../x", "a/b", "/", "a\x00", ".x", "..a", "a/..", strings.Repeat("y", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := validateName(name)
		if err != nil {
			if !errors.Is(err, ErrInvalidResource) {
				t.Fatalf("validateName(%q) = %v, want ErrInvalidResource", name, err)
			}
			if !strings.Contains(err.Error(), "name ") {
				t.Fatalf("validateName(%q) = %q does not say it is about the name", name, err)
			}
			return
		}
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || len(name) > staging.MaxNameLen {
			t.Fatalf("validateName accepted %q", name)
		}
		const work = "/work/dir"
		if p := filepath.Join(work, name); filepath.Dir(p) != work || filepath.Base(p) != name {
			t.Fatalf("accepted name %q resolves to %q, outside %s", name, p, work)
		}
		if p := tempPattern(name); strings.Contains(p, "/") {
			t.Fatalf("temp pattern %q for %q contains a separator", p, name)
		}
	})
}
