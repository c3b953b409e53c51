package devcluster

import (
	"fmt"
	"math"
	"time"
)

// Traffic of the demo: a retail day compressed in time.
const (
	// DefaultRate is the transactions per second outside the peaks.
	DefaultRate = 1700
	// PeakFactor is how much the evening peak exceeds the rate: 2,400/s
	// over 1,700/s.
	PeakFactor = 2400.0 / 1700.0
	// DefaultDay is how long one compressed day lasts.
	DefaultDay = 4 * time.Minute
	// dayStart is the time of day the traffic starts at: opening time.
	dayStart = 8 * time.Hour
)

// Peaks of a retail day: the evening one reaches PeakFactor, lunch a
// little more than half as high.
var peaks = []struct {
	at, width time.Duration
	height    float64
}{
	{at: 12*time.Hour + 30*time.Minute, width: time.Hour, height: 0.6},
	{at: 19 * time.Hour, width: 90 * time.Minute, height: 1},
}

// RetailDay is a retail day's transaction rate compressed in time: Rate
// transactions per second through the day, rising at lunch and to
// PeakFactor × Rate in the evening, one day every Day, starting at 08:00.
type RetailDay struct {
	// Rate is the transactions per second outside the peaks.
	Rate float64
	// Day is how long one compressed day lasts.
	Day time.Duration
}

// Validate reports a rate or day length that is not positive.
func (d RetailDay) Validate() error {
	if d.Rate <= 0 || math.IsNaN(d.Rate) || math.IsInf(d.Rate, 0) {
		return fmt.Errorf("devcluster: rate %v: want a positive number of transactions per second", d.Rate)
	}
	if d.Day <= 0 {
		return fmt.Errorf("devcluster: day of %v: want a positive duration", d.Day)
	}
	return nil
}

// At returns the store clock (the time of day, 0 to 24 h) and the rate in
// transactions per second after elapsed real time.
func (d RetailDay) At(elapsed time.Duration) (clock time.Duration, rate float64) {
	const day = 24 * time.Hour
	scaled := time.Duration(float64(elapsed) / float64(d.Day) * float64(day))
	clock = (dayStart + scaled) % day
	if clock < 0 {
		clock += day
	}
	bump := 0.0
	for _, p := range peaks {
		dist := (clock - p.at).Abs()
		dist = min(dist, day-dist)
		x := float64(dist) / float64(p.width)
		bump = max(bump, p.height*math.Exp(-x*x/2))
	}
	return clock, d.Rate * (1 + (PeakFactor-1)*bump)
}

// Peak is the highest rate of the day.
func (d RetailDay) Peak() float64 { return d.Rate * PeakFactor }

// formatClock writes a time of day as hh:mm.
func formatClock(clock time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(clock.Hours()), int(clock.Minutes())%60)
}
