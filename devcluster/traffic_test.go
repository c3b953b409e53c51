package devcluster

import (
	"math"
	"testing"
	"time"
)

func TestRetailDayRates(t *testing.T) {
	d := RetailDay{Rate: 1700, Day: 24 * time.Minute} // one store hour per minute
	tests := []struct {
		name      string
		elapsed   time.Duration
		wantClock string
		wantRate  float64
		tolerance float64
	}{
		{"opening, off-peak", 0, "08:00", 1700, 1},
		{"evening peak", 11 * time.Minute, "19:00", 2400, 0.001},
		{"lunch peak", 4*time.Minute + 30*time.Second, "12:30", 1700 + 0.6*700, 1},
		{"night, off-peak", 18 * time.Minute, "02:00", 1700, 1},
		{"next day wraps", 24 * time.Minute, "08:00", 1700, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock, rate := d.At(tt.elapsed)
			if got := formatClock(clock); got != tt.wantClock {
				t.Errorf("clock %s, want %s", got, tt.wantClock)
			}
			if math.Abs(rate-tt.wantRate) > tt.tolerance {
				t.Errorf("rate %.3f, want %.3f ± %v", rate, tt.wantRate, tt.tolerance)
			}
		})
	}
}

func TestRetailDayStaysWithinRateAndPeak(t *testing.T) {
	d := RetailDay{Rate: 50, Day: time.Minute}
	for e := time.Duration(0); e < 2*time.Minute; e += 100 * time.Millisecond {
		_, r := d.At(e)
		if r < d.Rate-1e-9 || r > d.Peak()+1e-9 {
			t.Fatalf("rate %v at %v outside [%v, %v]", r, e, d.Rate, d.Peak())
		}
	}
	if got := (RetailDay{Rate: 1700}).Peak(); math.Abs(got-2400) > 1e-9 {
		t.Fatalf("peak of 1700/s is %v, want 2400", got)
	}
}

func TestRetailDayValidate(t *testing.T) {
	for _, d := range []RetailDay{{Rate: 0, Day: time.Minute}, {Rate: -1, Day: time.Minute}, {Rate: math.NaN(), Day: time.Minute}, {Rate: 1, Day: 0}} {
		if err := d.Validate(); err == nil {
			t.Errorf("%+v validated", d)
		}
	}
	if err := (RetailDay{Rate: 1, Day: time.Second}).Validate(); err != nil {
		t.Errorf("valid day refused: %v", err)
	}
}
