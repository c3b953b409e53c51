package submit

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// fakeFiles is a ReadFile over an in-memory set of files.
func fakeFiles(files map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		data, ok := files[name]
		if !ok {
			return nil, fmt.Errorf("open %s: %w", name, fs.ErrNotExist)
		}
		return []byte(data), nil
	}
}

// mustParse parses args with files and fails the test on error.
func mustParse(t *testing.T, args []string, po ParseOptions) (*Options, []string) {
	t.Helper()
	o, warnings, err := Parse(args, po)
	if err != nil {
		t.Fatalf("Parse(%q): %v", args, err)
	}
	return o, warnings
}

// sentinels are the errors every Parse error wraps one of.
var sentinels = []error{ErrUsage, ErrUnknownFlag, ErrNoApplication, ErrInvalidValue, ErrPropertiesFile}

// checkError fails unless err wraps want and contains every substring.
func checkError(t *testing.T, err, want error, substrings ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %q does not wrap %v", err, want)
	}
	for _, s := range substrings {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
}

// words splits a command line on spaces, for readable tables.
func words(s string) []string {
	return strings.Fields(s)
}

// sameStrings reports whether a and b hold the same strings in order,
// treating nil and empty alike.
func sameStrings(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || slices.Equal(a, b))
}
