package containermonitor

import (
	"math"
	"testing"
)

func TestFormatBytes(t *testing.T) {
	const (
		kb = int64(1) << 10
		mb = int64(1) << 20
		gb = int64(1) << 30
	)
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0B"},
		{100, "100B"},
		{1023, "1023B"},
		{1024, "1 KB"},
		{1536, "1.5 KB"},
		{1280, "1.3 KB"}, // 1.25 rounds half up, as Java's %.1f does
		{1279, "1.2 KB"},
		{512 * mb, "512 MB"}, // exact multiples have no decimal, as in YARN
		{512*mb + 1, "512.0 MB"},
		{3584 * mb, "3.5 GB"},
		{3650722202, "3.4 GB"}, // 3.4 GiB
		{517*mb + 700*kb, "517.7 MB"},
		{gb - 1, "1.0 GB"}, // 1024.0 MB is said as 1.0 GB
		{mb - 1, "1.0 MB"},
		{mb - 52, "1023.9 KB"},
		{5 * (int64(1) << 40), "5 TB"},
		{-1536, "-1.5 KB"},
		{-100, "-100B"},
		{math.MaxInt64, "8.0 EB"},
		{math.MinInt64, "-8 EB"},
	}
	for _, tt := range tests {
		if got := FormatBytes(tt.in); got != tt.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
