package main

import (
	"fmt"
	"math"
	"strconv"
	"testing"
)

func TestFormatCents(t *testing.T) {
	for _, c := range []int64{0, 1, 9, 10, 99, 100, 101, 2598, 123456789, -1, -9, -10, -99, -100, -101, -2598, math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		if got, want := formatCents(c), fmt.Sprintf("%d.%02d", c/100, c%100); got != want {
			t.Errorf("formatCents(%d) = %q, want %q", c, got, want)
		}
	}
}

// TestParseCents checks parseCents against strconv.ParseInt, which it
// reads plain digits without.
func TestParseCents(t *testing.T) {
	for _, s := range []string{"0", "7", "2628", "0123", "999999999999999999", "9223372036854775807",
		"9223372036854775808", "+5", "-0", "-1", "", " 1", "1 ", "1.5", "1e3", "٣", "00000000000000000000001"} {
		want, werr := strconv.ParseInt(s, 10, 64)
		wantOK := werr == nil && want >= 0
		got, err := parseCents([]byte(s))
		switch {
		case (err == nil) != wantOK:
			t.Errorf("parseCents(%q) error = %v, want ok %v", s, err, wantOK)
		case err == nil && got != want:
			t.Errorf("parseCents(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestReduce(t *testing.T) {
	j := &retailJob{}
	for _, tc := range []struct{ a, b, want, err string }{
		{"2628", "172", "2800", ""},
		{"0", "0", "0", ""},
		{"9223372036854775800", "7", "9223372036854775807", ""},
		{"9223372036854775800", "8", "", "revenue 92233720368547758.00 + 0.08 overflows"},
		{"12.5", "1", "", `revenue "12.5" is not a non-negative number of cents`},
		{"1", "-1", "", `revenue "-1" is not a non-negative number of cents`},
	} {
		got, err := j.Reduce([]byte(tc.a), []byte(tc.b))
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("Reduce(%s, %s) error = %v, want %q", tc.a, tc.b, err, tc.err)
		case tc.err == "" && (err != nil || string(got) != tc.want):
			t.Errorf("Reduce(%s, %s) = %q, %v, want %s", tc.a, tc.b, got, err, tc.want)
		}
	}
}
