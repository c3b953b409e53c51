package main

import (
	"bytes"
	"testing"
	"time"
)

func TestParseUTC(t *testing.T) {
	for _, tc := range []struct {
		s    string
		fast bool // whether parseUTC reads it
	}{
		{"2025-03-01T12:00:00Z", true},
		{"2025-03-01T12:00:00.1Z", true},
		{"2025-03-01T12:00:00.123456789Z", true},
		{"2025-03-01T12:00:00.000000000Z", true},
		{"2024-02-29T23:59:59Z", true},
		{"2000-02-29T00:00:00Z", true},
		{"0000-01-01T00:00:00Z", true},
		{"0000-02-29T00:00:00Z", true},
		{"9999-12-31T23:59:59.999999999Z", true},
		{"1969-12-31T23:59:59.5Z", true},

		{"2025-02-29T12:00:00Z", false},
		{"1900-02-29T12:00:00Z", false},
		{"2025-04-31T12:00:00Z", false},
		{"2025-13-01T12:00:00Z", false},
		{"2025-00-01T12:00:00Z", false},
		{"2025-03-00T12:00:00Z", false},
		{"2025-03-01T24:00:00Z", false},
		{"2025-03-01T12:60:00Z", false},
		{"2025-03-01T12:00:60Z", false},
		{"2025-03-01T12:00:00.1234567891Z", false},
		{"2025-03-01T12:00:00.Z", false},
		{"2025-03-01T12:00:00,5Z", false},
		{"2025-03-01T12:00:00+00:00", false},
		{"2025-03-01t12:00:00Z", false},
		{"2025-03-01T12:00:00z", false},
		{"2025-3-01T12:00:00Z", false},
		{"+025-03-01T12:00:00Z", false},
		{"2025-03-01T12:00:00", false},
		{"", false},
	} {
		got, ok := parseUTC([]byte(tc.s))
		if ok != tc.fast {
			t.Errorf("parseUTC(%q) ok = %v, want %v", tc.s, ok, tc.fast)
			continue
		}
		if !ok {
			continue
		}
		if want, err := time.Parse(time.RFC3339Nano, tc.s); err != nil || got != want {
			t.Errorf("parseUTC(%q) = %v, time.Parse = %v, %v", tc.s, got, want, err)
		}
	}
}

// FuzzTimeFastPathMatchesTime checks parseUTC against time.Parse and
// appendUTC against Time.AppendText.
func FuzzTimeFastPathMatchesTime(f *testing.F) {
	for _, s := range []string{
		"2025-03-01T12:00:00Z", "2025-03-01T12:00:00.123456789Z", "2024-02-29T23:59:59.5Z",
		"0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "1969-12-31T23:59:59.000000001Z",
		"2025-02-29T12:00:00Z", "2025-03-01T12:00:00.Z", "2025-03-01T12:00:00+01:00",
	} {
		f.Add(s, int64(0), int64(0))
	}
	for _, sec := range []int64{0, -1, 86399, 86400, 951782400, -62167219200, -62167219201, 253402300799, 253402300800, -1 << 62, 1<<63 - 1} {
		f.Add("", sec, int64(1))
		f.Add("", sec, int64(999999999))
	}
	f.Fuzz(func(t *testing.T, s string, sec, nsec int64) {
		if got, ok := parseUTC([]byte(s)); ok {
			want, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				t.Fatalf("parseUTC accepted %q, which time.Parse rejects: %v", s, err)
			}
			if got != want {
				t.Fatalf("parseUTC(%q) = %v, time.Parse = %v", s, got, want)
			}
		}
		at := time.Unix(sec, nsec).UTC()
		got, ok := appendUTC([]byte("x"), at)
		if !ok {
			if string(got) != "x" {
				t.Fatalf("appendUTC failed but left %q", got)
			}
			return
		}
		want, err := at.AppendText([]byte("x"))
		if err != nil {
			t.Fatalf("appendUTC wrote %q for %v, which AppendText rejects: %v", got, at, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("appendUTC = %q, AppendText = %q", got, want)
		}
	})
}
