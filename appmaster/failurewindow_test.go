package appmaster

import (
	"testing"
	"time"
)

func TestFailureWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name     string
		validity time.Duration
		at       []time.Duration // failure times after t0
		now      time.Duration
		want     int
	}{
		{"no window counts all", 0, []time.Duration{0, time.Hour, 2 * time.Hour}, 3 * time.Hour, 3},
		{"old failures expire", 2 * time.Second, []time.Duration{0, 3 * time.Second, 6 * time.Second}, 7 * time.Second, 1},
		{"boundary is inside", 2 * time.Second, []time.Duration{0, 1 * time.Second}, 2 * time.Second, 2},
		{"none", time.Second, nil, time.Hour, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := failureWindow{validity: tc.validity}
			for _, d := range tc.at {
				w.add(t0.Add(d))
			}
			if got := w.count(t0.Add(tc.now)); got != tc.want {
				t.Fatalf("count = %d, want %d", got, tc.want)
			}
		})
	}
}
