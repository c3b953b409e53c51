package submit

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// ParsePropertiesFile parses data in the format of Spark's
// spark-defaults.conf, a subset of Java's properties format, naming the
// file name in errors.
//
// Each line is `key value`, `key=value` or `key: value`; whitespace around
// the separator is skipped and the value's surrounding whitespace trimmed,
// as Spark does. Lines whose first non-blank character is # or ! are
// comments; blank lines are skipped. A line ending in an odd number of
// backslashes continues on the next, whose leading whitespace is dropped.
// In keys and values, \t, \n, \r, \f and \uXXXX are escapes and a
// backslash before any other character stands for that character. A later
// line for the same key wins. The file is UTF-8, with an optional byte
// order mark.
//
// Stricter than Java, a line with a key and neither a separator nor a
// value, an empty key, a malformed \u escape or invalid UTF-8 is an error
// naming the file and the line, wrapping ErrPropertiesFile.
func ParsePropertiesFile(data []byte, name string) (map[string]string, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	lines := splitLines(string(data))
	props := make(map[string]string)
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := trimLeftBlank(lines[i])
		if line == "" || line[0] == '#' || line[0] == '!' {
			if !utf8.ValidString(line) {
				return nil, propertiesError(name, lineNo, "is not valid UTF-8")
			}
			continue
		}
		for continues(line) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + trimLeftBlank(lines[i])
		}
		if !utf8.ValidString(line) {
			return nil, propertiesError(name, lineNo, "is not valid UTF-8")
		}
		key, value, err := splitProperty(line)
		if err != nil {
			return nil, propertiesError(name, lineNo, err.Error())
		}
		props[key] = value
	}
	return props, nil
}

// propertiesError describes a malformed line.
func propertiesError(name string, line int, msg string) error {
	return fmt.Errorf("%w: %s:%d: %s", ErrPropertiesFile, name, line, msg)
}

// splitLines splits s at \n, \r\n and \r, as Java's properties reader does.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	return lines
}

// isBlank reports whether c is whitespace in Java's properties format.
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\f'
}

// trimLeftBlank drops leading properties-format whitespace.
func trimLeftBlank(s string) string {
	i := 0
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	return s[i:]
}

// continues reports whether line ends in an odd number of backslashes.
func continues(line string) bool {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitProperty splits a logical line into its unescaped key and value.
func splitProperty(line string) (string, string, error) {
	// A lone backslash left at the end by a continuation at end of file
	// stands for nothing, as in Java.
	if continues(line) {
		line = line[:len(line)-1]
	}
	end := 0
	for end < len(line) {
		c := line[end]
		if c == '\\' {
			end += 2
			continue
		}
		if c == '=' || c == ':' || isBlank(c) {
			break
		}
		end++
	}
	end = min(end, len(line))
	rawKey, rest := line[:end], line[end:]
	rest = trimLeftBlank(rest)
	separated := false
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		separated = true
		rest = trimLeftBlank(rest[1:])
	}
	key, err := unescapeProperty(rawKey)
	if err != nil {
		return "", "", err
	}
	if key == "" {
		return "", "", fmt.Errorf("has no key: write KEY VALUE, KEY=VALUE or KEY: VALUE")
	}
	if !separated && strings.TrimSpace(rest) == "" {
		return "", "", fmt.Errorf("has key %s but no value: write KEY VALUE, KEY=VALUE or KEY: VALUE (KEY= for an empty value)", printable(key))
	}
	value, err := unescapeProperty(rest)
	if err != nil {
		return "", "", err
	}
	return key, trimJava(value), nil
}

// trimJava trims as Java's String.trim does: every character up to U+0020.
func trimJava(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// unescapeProperty resolves the escapes of the properties format.
func unescapeProperty(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			r, n, err := unicodeEscape(s[i-1:])
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
			i += n - 2
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// unicodeEscape decodes the \uXXXX escape at the start of s, or a pair of
// them forming a UTF-16 surrogate pair, returning the rune and the number of
// bytes read.
func unicodeEscape(s string) (rune, int, error) {
	u, ok := hex4(s)
	if !ok {
		return 0, 0, fmt.Errorf("has a malformed \\uXXXX escape %q: use four hexadecimal digits", s[:min(len(s), 6)])
	}
	r := rune(u)
	if !utf16.IsSurrogate(r) {
		return r, 6, nil
	}
	if lo, ok := hex4(s[6:]); ok && r < 0xDC00 {
		if pair := utf16.DecodeRune(r, rune(lo)); pair != utf8.RuneError {
			return pair, 12, nil
		}
	}
	return 0, 0, fmt.Errorf("has an unpaired UTF-16 surrogate %q", s[:6])
}

// hex4 parses "\uXXXX" at the start of s.
func hex4(s string) (uint16, bool) {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return 0, false
	}
	var v uint16
	for _, c := range []byte(s[2:6]) {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint16(d)
	}
	return v, true
}
