package chaos

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseSinkLine: no panic; an error wraps ErrBadLine and quotes the
// line; a line that parses formats back to the same id and amount.
func FuzzParseSinkLine(f *testing.F) {
	f.Add([]byte(sinkOutputLine(1, "s-01", 12345)))
	f.Add([]byte("t-1\t{}"))
	f.Add([]byte("\t"))
	f.Add([]byte(`t-9	{"id":"t-9","amount":"0.01","store":""}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		id, store, cents, err := parseSinkLine(line)
		if err != nil {
			if !errors.Is(err, ErrBadLine) || !strings.Contains(err.Error(), "bad output line") {
				t.Fatalf("error %v does not wrap ErrBadLine", err)
			}
			return
		}
		if id < 1 || cents < 0 {
			t.Fatalf("parsed id %d, cents %d from %q", id, cents, line)
		}
		again, store2, cents2, err := parseSinkLine([]byte(sinkOutputLine(id, store, cents)))
		if err != nil || again != id || cents2 != cents || store2 != store {
			t.Fatalf("round trip of %q: %d %q %d %v", line, again, store2, cents2, err)
		}
	})
}

// FuzzParseDeadLetter: no panic; an error wraps ErrBadLine; an id found
// is a valid transaction number that formats back to the id in the value.
func FuzzParseDeadLetter(f *testing.F) {
	f.Add([]byte(deadLetterLine(`{"id":"t-3","store":"s`)))
	f.Add([]byte(`{"value":""}`))
	f.Add([]byte(`{"value":null}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		id, err := parseDeadLetter(line)
		if err != nil {
			if !errors.Is(err, ErrBadLine) {
				t.Fatalf("error %v does not wrap ErrBadLine", err)
			}
			return
		}
		if id < 1 {
			t.Fatalf("id %d from %q", id, line)
		}
	})
}

// FuzzParseAmount: no panic; what parses formats back to itself, without
// leading zeros; errors name the amount.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0.00", "12.34", "1.5", "-1.00", "99999999999999999999.00", "1e3.00", ".00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cents, err := parseAmount(s)
		if err != nil {
			if !strings.Contains(err.Error(), "amount") {
				t.Fatalf("error %q does not say what failed", err)
			}
			return
		}
		if cents < 0 {
			t.Fatalf("%q parsed to %d cents", s, cents)
		}
		back, err := parseAmount(formatCents(cents))
		if err != nil || back != cents {
			t.Fatalf("%q → %d → %q → %d, %v", s, cents, formatCents(cents), back, err)
		}
	})
}
