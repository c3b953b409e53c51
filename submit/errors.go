package submit

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
)

var (
	// ErrUsage is wrapped when the command line is malformed: a flag
	// without its value, a value given to a switch, --conf without "=",
	// conflicting actions or a missing application.
	ErrUsage = errors.New("submit: bad command line")
	// ErrUnknownFlag is wrapped when a flag is not one of spark-submit's or
	// Spindle's; the message names the closest known flag.
	ErrUnknownFlag = errors.New("submit: unknown flag")
	// ErrNoApplication is wrapped when a submission names no job binary.
	ErrNoApplication = errors.New("submit: no application")
	// ErrInvalidValue is wrapped when a flag's or key's value does not fit
	// it; the message names the flag or key, the value and the valid form.
	ErrInvalidValue = errors.New("submit: invalid value")
	// ErrUnknownKey is wrapped when a spindle.* key is not one Spindle
	// knows; the message names the closest known key.
	ErrUnknownKey = errors.New("submit: unknown key")
	// ErrPropertiesFile is wrapped when a properties file cannot be read or
	// has a malformed line; the message names the file and the line.
	ErrPropertiesFile = errors.New("submit: bad properties file")
)

// printable returns s as it is when it is plain printable text, and quoted
// otherwise, so that warnings and errors stay on one readable line.
func printable(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return r == unicode.ReplacementChar || !unicode.IsPrint(r) || unicode.IsSpace(r)
	}) < 0 {
		return s
	}
	return strconv.Quote(s)
}
