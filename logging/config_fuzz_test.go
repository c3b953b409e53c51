package logging

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzConfigValidate checks that level and format validation accepts
// exactly the documented names, that accepted levels map back to their
// name, and that rejections name the offending value.
func FuzzConfigValidate(f *testing.F) {
	for _, s := range [][2]string{
		{"info", "console"}, {"debug", "json"}, {"warn", "json"}, {"error", "console"},
		{"INFO", "console"}, {"fatal", "json"}, {"info", "text"}, {"", ""}, {"warn\x00", "json"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, level, format string) {
		err := Config{Level: level, Format: format}.Validate()
		levelOK := slices.Contains(validLevels, level)
		formatOK := slices.Contains(validFormats, format)
		switch {
		case levelOK && formatOK:
			if err != nil {
				t.Fatalf("Validate(%q, %q) = %v, want nil", level, format, err)
			}
			lvl, err := parseLevel(level)
			if err != nil || lvl.String() != level {
				t.Fatalf("parseLevel(%q) = %v, %v; want it to round-trip", level, lvl, err)
			}
		case !levelOK:
			if !errors.Is(err, ErrInvalidLevel) || !strings.Contains(err.Error(), strconv.Quote(level)) {
				t.Fatalf("Validate(%q, %q) = %v, want ErrInvalidLevel naming the level", level, format, err)
			}
		default:
			if !errors.Is(err, ErrInvalidFormat) || !strings.Contains(err.Error(), strconv.Quote(format)) {
				t.Fatalf("Validate(%q, %q) = %v, want ErrInvalidFormat naming the format", level, format, err)
			}
		}
	})
}
