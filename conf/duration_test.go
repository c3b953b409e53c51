package conf

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		unit time.Duration
		want time.Duration
	}{
		{"0", time.Millisecond, 0},
		{"1000", time.Millisecond, time.Second},
		{"30", time.Second, 30 * time.Second},
		{"7us", time.Second, 7 * time.Microsecond},
		{"500ms", time.Second, 500 * time.Millisecond},
		{"500MS", time.Second, 500 * time.Millisecond},
		{"10s", time.Millisecond, 10 * time.Second},
		{"5m", time.Millisecond, 5 * time.Minute},
		{"5min", time.Millisecond, 5 * time.Minute},
		{"2h", time.Millisecond, 2 * time.Hour},
		{"168h", time.Second, 168 * time.Hour},
		{"7d", time.Millisecond, 7 * 24 * time.Hour},
		{" 10 s ", time.Millisecond, 10 * time.Second},
		{"1h30m", time.Millisecond, 90 * time.Minute},
		{"1H30M", time.Millisecond, 90 * time.Minute},
		{"1.5s", time.Millisecond, 1500 * time.Millisecond},
		{"250ns", time.Millisecond, 250},
		{"1µs", time.Millisecond, time.Microsecond},
		{".5s", time.Millisecond, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in, tt.unit)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q, %v) = %v, %v; want %v", tt.in, tt.unit, got, err, tt.want)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	tests := []struct {
		in   string
		unit time.Duration
		want []string
	}{
		{"12x", time.Millisecond, []string{`"12x" is not a duration`, "us, ms, s, m or min, h, d", "1h30m", "a bare number means milliseconds"}},
		{"12x", time.Second, []string{"a bare number means seconds"}},
		{"", time.Millisecond, []string{`"" is not a duration`}},
		{"-1", time.Millisecond, []string{`"-1" is not a duration`, "negative"}},
		{"-5s", time.Millisecond, []string{"negative"}},
		{"1.5", time.Second, []string{`"1.5" is not a duration`}},
		{"1.5d", time.Second, []string{`"1.5d" is not a duration`}},
		{"1 h 30m", time.Second, []string{`"1 h 30m" is not a duration`}},
		{"107000d", time.Second, []string{"longer than 292 years"}},
		{"99999999999999999999", time.Millisecond, []string{"longer than 292 years"}},
		{"9999999999h", time.Millisecond, []string{`"9999999999h" is not a duration`}},
		{"5", 0, []string{"not a duration unit"}},
	}
	for _, tt := range tests {
		_, err := ParseDuration(tt.in, tt.unit)
		if err == nil {
			t.Errorf("ParseDuration(%q, %v) succeeded; want an error", tt.in, tt.unit)
			continue
		}
		if !errors.Is(err, ErrInvalidDuration) {
			t.Errorf("ParseDuration(%q) error %v does not wrap ErrInvalidDuration", tt.in, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseDuration(%q, %v) error %q does not contain %q", tt.in, tt.unit, err, w)
			}
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"0", "500ms", "5min", "1h30m", "7d", "-1", "1.5s", "12x", "", "9999999999h", " 10 S "} {
		f.Add(s, int64(time.Millisecond))
	}
	f.Add("30", int64(time.Second))
	f.Add("30", int64(0))
	f.Fuzz(func(t *testing.T, s string, unit int64) {
		d, err := ParseDuration(s, time.Duration(unit))
		if err != nil {
			if !errors.Is(err, ErrInvalidDuration) {
				t.Fatalf("error %v does not wrap ErrInvalidDuration", err)
			}
			if unit > 0 && !strings.Contains(err.Error(), strconv.Quote(s)) {
				t.Fatalf("error %q does not name the value %q", err, s)
			}
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative", s, d)
		}
		// Go's rendering of the result parses back to the same duration.
		if back, err := ParseDuration(d.String(), time.Hour); err != nil || back != d {
			t.Fatalf("round trip of %v = %v, %v", d, back, err)
		}
	})
}
