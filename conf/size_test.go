package conf

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in, unit string
		want     int64
	}{
		{"0", "b", 0},
		{"512", "b", 512},
		{"512", "m", 512 << 20},
		{"512", "", 512},
		{"1k", "m", 1 << 10},
		{"1KB", "m", 1 << 10},
		{"512m", "b", 512 << 20},
		{"512MB", "b", 512 << 20},
		{"3g", "m", 3 << 30},
		{"3Gb", "m", 3 << 30},
		{"2t", "m", 2 << 40},
		{"2tb", "m", 2 << 40},
		{"1p", "m", 1 << 50},
		{"1pb", "m", 1 << 50},
		{"7b", "m", 7},
		{"  64m \n", "b", 64 << 20},
		{"64 m", "b", 64 << 20},
		{"0064m", "b", 64 << 20},
		{"-1", "m", -1},
		{" -1 ", "m", -1},
		{"8191p", "b", 8191 << 50},
		{"9223372036854775807", "b", 1<<63 - 1},
		{"8", "G", 8 << 30},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in, tt.unit)
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q, %q) = %d, %v; want %d", tt.in, tt.unit, got, err, tt.want)
		}
	}
}

func TestParseSizeErrors(t *testing.T) {
	tests := []struct {
		in, unit string
		// want are substrings of the error.
		want []string
	}{
		{"12x", "m", []string{`"12x" is not a size`, "b, k, m, g, t, p", "512m", "a bare number means MiB"}},
		{"", "m", []string{`"" is not a size`}},
		{"m", "m", []string{`"m" is not a size`}},
		{"1.5g", "m", []string{`"1.5g" is not a size`, "fractions are not supported"}},
		{"-2", "m", []string{`"-2" is not a size`}},
		{"-1m", "m", []string{`"-1m" is not a size`}},
		{"+5", "b", []string{`"+5" is not a size`}},
		{"5 mbx", "b", []string{"a bare number means bytes"}},
		{"5m5", "b", []string{`"5m5" is not a size`}},
		{"8192p", "b", []string{`"8192p" is not a size`, "8 EiB or more"}},
		{"9223372036854775808", "b", []string{"8 EiB or more"}},
		{"99999999999999999999999g", "k", []string{"8 EiB or more", "a bare number means KiB"}},
		{"1e3", "b", []string{`"1e3" is not a size`}},
		{"5", "x", []string{`"x" is not a size unit`}},
	}
	for _, tt := range tests {
		_, err := ParseSize(tt.in, tt.unit)
		if err == nil {
			t.Errorf("ParseSize(%q, %q) succeeded; want an error", tt.in, tt.unit)
			continue
		}
		if !errors.Is(err, ErrInvalidSize) {
			t.Errorf("ParseSize(%q, %q) error %v does not wrap ErrInvalidSize", tt.in, tt.unit, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseSize(%q, %q) error %q does not contain %q", tt.in, tt.unit, err, w)
			}
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"0", "512m", "3G", "-1", "1.5g", "12x", " 64 kb ", "8192p", "", "-", "1p"} {
		f.Add(s, "m")
	}
	f.Add("77", "b")
	f.Add("77", "q")
	f.Fuzz(func(t *testing.T, s, unit string) {
		n, err := ParseSize(s, unit)
		if err != nil {
			if !errors.Is(err, ErrInvalidSize) {
				t.Fatalf("error %v does not wrap ErrInvalidSize", err)
			}
			if !strings.Contains(err.Error(), strconv.Quote(s)) && !strings.Contains(err.Error(), strconv.Quote(unit)) {
				t.Fatalf("error %q names neither the value nor the unit", err)
			}
			return
		}
		if n < -1 {
			t.Fatalf("ParseSize(%q) = %d, below -1", s, n)
		}
		if n == -1 {
			if strings.TrimSpace(s) != "-1" {
				t.Fatalf("ParseSize(%q) = -1 for something other than -1", s)
			}
			return
		}
		// Round trip through bytes, and case does not matter.
		if back, err := ParseSize(strconv.FormatInt(n, 10)+"b", "m"); err != nil || back != n {
			t.Fatalf("round trip of %d bytes = %d, %v", n, back, err)
		}
		if up, err := ParseSize(strings.ToUpper(s), unit); err != nil || up != n {
			t.Fatalf("ParseSize(%q) = %d, %v; lower case gave %d", strings.ToUpper(s), up, err, n)
		}
	})
}

func TestParseSizeFoldsASCIIOnly(t *testing.T) {
	// U+212A KELVIN SIGN lowers to "k" in Unicode but is not a unit.
	if n, err := ParseSize("5\u212a", "b"); err == nil {
		t.Fatalf("ParseSize(5 Kelvin) = %d; want an error", n)
	}
}
