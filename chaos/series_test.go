package chaos

import (
	"math"
	"testing"
	"time"
)

// steadyBatches are one-second batches of n records from second first to
// last (exclusive) after start, each done 100 ms after its batch time.
func steadyBatches(start time.Time, first, last int, n int64) []batch {
	var out []batch
	for i := first; i < last; i++ {
		out = append(out, batch{Time: start.Add(time.Duration(i) * time.Second), Records: n, Processing: 90 * time.Millisecond, Scheduling: 10 * time.Millisecond})
	}
	return out
}

func TestProcessedSeries(t *testing.T) {
	start := time.Unix(1_000_000, 0)
	batches := steadyBatches(start, 0, 20, 500)
	// Nothing from 20 s to 25 s, then one batch with the backlog.
	batches = append(batches, batch{Time: start.Add(25 * time.Second), Records: 3000, Processing: 500 * time.Millisecond})
	got := processedSeries(start, start.Add(30*time.Second), batches, 3*time.Second)
	if len(got) != 30 {
		t.Fatalf("%d values, want 30", len(got))
	}
	for i := 3; i < 20; i++ {
		if got[i] != 500 {
			t.Fatalf("second %d: %v records/s, want a steady 500", i, got[i])
		}
	}
	for i := 22; i < 25; i++ {
		if got[i] != 0 {
			t.Fatalf("second %d: %v records/s during the outage, want 0", i, got[i])
		}
	}
	if got[25] != 1000 {
		t.Fatalf("second 25: %v, want the backlog 3000 over the 3 s window", got[25])
	}
	if processedSeries(start, start, batches, time.Second) != nil {
		t.Fatal("an empty span gave values")
	}
}

func TestMeanAndMinRate(t *testing.T) {
	start := time.Unix(1_000_000, 0)
	perSecond := []int64{100, 200, 300, 400}
	if got := meanRate(perSecond, start, start.Add(time.Second), start.Add(3*time.Second)); got != 250 {
		t.Fatalf("mean of seconds 1 and 2 = %v, want 250", got)
	}
	if got := meanRate(perSecond, start, start.Add(10*time.Second), start.Add(20*time.Second)); got != 0 {
		t.Fatalf("mean outside the series = %v, want 0", got)
	}
	series := []float64{5, 1, 7, 3}
	// Second i ends at start+i+1.
	if got := minRate(series, start, start.Add(2500*time.Millisecond), start.Add(4*time.Second)); got != 3 {
		t.Fatalf("min of seconds ending in (2.5, 4] = %v, want 3", got)
	}
	if got := minRate(series, start, start.Add(time.Hour), start.Add(2*time.Hour)); got != 0 || math.IsInf(got, 0) {
		t.Fatalf("min outside the series = %v, want 0", got)
	}
}
