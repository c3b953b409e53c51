package appmaster

import "time"

// failureWindow counts failures within a validity interval, as Spark's
// executor failure tracker: 0 = every failure counts.
type failureWindow struct {
	validity time.Duration
	times    []time.Time
}

// add records a failure at t.
func (w *failureWindow) add(t time.Time) { w.times = append(w.times, t) }

// count returns the failures within the interval before now, forgetting
// older ones.
func (w *failureWindow) count(now time.Time) int {
	if w.validity <= 0 {
		return len(w.times)
	}
	keep := w.times[:0]
	for _, t := range w.times {
		if now.Sub(t) <= w.validity {
			keep = append(keep, t)
		}
	}
	w.times = keep
	return len(keep)
}
