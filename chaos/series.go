package chaos

import (
	"math"
	"time"
)

// processedSeries is the records processed per second, one value per
// second since start up to end: value i is the records of the batches that
// completed within window before start+i+1s, divided by the window, so that
// batches completing at a steady pace give a steady rate.
func processedSeries(start, end time.Time, batches []batch, window time.Duration) []float64 {
	n := int(math.Ceil(end.Sub(start).Seconds()))
	if n <= 0 || window <= 0 {
		return nil
	}
	// Records by the second they completed in.
	bySecond := make([]int64, n)
	for _, b := range batches {
		i := int(b.completed().Sub(start) / time.Second)
		if b.completed().Before(start) || i >= n {
			continue
		}
		bySecond[i] += b.Records
	}
	w := max(1, int(window/time.Second))
	out := make([]float64, n)
	var sum int64
	for i := range n {
		sum += bySecond[i]
		if i >= w {
			sum -= bySecond[i-w]
		}
		out[i] = float64(sum) / float64(w)
	}
	return out
}

// meanRate is the mean of the per-second counts whose seconds lie within
// [from, to); 0 when none does.
func meanRate(perSecond []int64, start, from, to time.Time) float64 {
	var sum int64
	n := 0
	for i, v := range perSecond {
		at := start.Add(time.Duration(i) * time.Second)
		if at.Before(from) || !at.Add(time.Second).Before(to.Add(time.Nanosecond)) {
			continue
		}
		sum += v
		n++
	}
	if n == 0 {
		return 0
	}
	return float64(sum) / float64(n)
}

// minRate is the lowest value of series whose second ends within
// (from, to]; 0 when none does.
func minRate(series []float64, start, from, to time.Time) float64 {
	lowest := math.Inf(1)
	for i, v := range series {
		end := start.Add(time.Duration(i+1) * time.Second)
		if !end.After(from) || end.After(to) {
			continue
		}
		lowest = min(lowest, v)
	}
	if math.IsInf(lowest, 1) {
		return 0
	}
	return lowest
}
