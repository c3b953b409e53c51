package ratecontrol

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// ms is a point in time n milliseconds after the epoch, the unit Spark's
// estimator takes times in.
func ms(n int64) time.Time { return time.UnixMilli(n) }

func d(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

func mustPID(t *testing.T, intervalMs int64, p, i, dv, minRate float64) *PIDEstimator {
	t.Helper()
	est, err := NewPIDEstimator(PIDConfig{BatchInterval: d(intervalMs), Proportional: p, Integral: i, Derivative: dv, MinRate: minRate})
	if err != nil {
		t.Fatalf("NewPIDEstimator: %v", err)
	}
	return est
}

// From Spark's PIDRateEstimatorSuite, "estimator checks ranges".
func TestPIDConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  PIDConfig
		ok   bool
	}{
		{"spark defaults", DefaultPIDConfig(time.Second), true},
		{"zero gains", PIDConfig{BatchInterval: d(100), MinRate: 10}, true},
		{"zero batch interval", PIDConfig{BatchInterval: 0, Proportional: 1, Integral: 2, Derivative: 3, MinRate: 10}, false},
		{"sub-millisecond batch interval", PIDConfig{BatchInterval: time.Microsecond, Proportional: 1, MinRate: 10}, false},
		{"negative proportional", PIDConfig{BatchInterval: d(100), Proportional: -1, Integral: 2, Derivative: 3, MinRate: 10}, false},
		{"negative integral", PIDConfig{BatchInterval: d(100), Integral: -1, Derivative: 3, MinRate: 10}, false},
		{"negative derivative", PIDConfig{BatchInterval: d(100), Derivative: -1, MinRate: 10}, false},
		{"zero min rate", PIDConfig{BatchInterval: d(100), MinRate: 0}, false},
		{"negative min rate", PIDConfig{BatchInterval: d(100), MinRate: -10}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, does not wrap ErrInvalidConfig", err)
			}
			if _, err := NewPIDEstimator(tc.cfg); (err == nil) != tc.ok {
				t.Fatalf("NewPIDEstimator() error = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

type batch struct {
	t, elems, proc, sched int64 // milliseconds, except elems
	want                  float64
	ok                    bool
}

func runBatches(t *testing.T, est *PIDEstimator, batches []batch) {
	t.Helper()
	for i, b := range batches {
		got, ok := est.Compute(ms(b.t), b.elems, d(b.proc), d(b.sched))
		if ok != b.ok || got != b.want {
			t.Fatalf("batch %d %+v: Compute = %v, %v; want %v, %v", i, b, got, ok, b.want, b.ok)
		}
	}
}

func TestPIDCompute(t *testing.T) {
	for _, tc := range []struct {
		name           string
		interval       int64
		p, i, dv, minR float64
		batches        []batch
	}{
		// Spark's suite: createDefaultEstimator is (20, 1, 0, 0, 10).
		{name: "spark: first estimate is None", interval: 20, p: 1, minR: 10,
			batches: []batch{{t: 0, elems: 10, proc: 10}}},
		{name: "spark: second estimate is not None", interval: 20, p: 1, minR: 10,
			batches: []batch{{t: 0, elems: 10, proc: 10}, {t: 10, elems: 10, proc: 10, want: 1000, ok: true}}},
		{name: "spark: no estimate without time difference", interval: 20, p: 1, minR: 10,
			batches: []batch{
				{t: 0, elems: 10, proc: 10},
				{t: 10, elems: 10, proc: 10, want: 1000, ok: true},
				{t: 10, elems: 10, proc: 10},
				{t: 9, elems: 10, proc: 10},
			}},
		{name: "spark: no estimate without records", interval: 20, p: 1, minR: 10,
			batches: []batch{{t: 0, elems: 10, proc: 10}, {t: 10, elems: 0, proc: 10}, {t: 20, elems: -10, proc: 10}}},
		{name: "spark: no estimate without processing delay", interval: 20, p: 1, minR: 10,
			batches: []batch{{t: 0, elems: 10, proc: 10}, {t: 10, elems: 10, proc: 0}, {t: 20, elems: 10, proc: -10}}},
		{name: "skipped first batch keeps the first run pending", interval: 20, p: 1, minR: 10,
			batches: []batch{{t: 0, elems: 0, proc: 10}, {t: 10, elems: 10, proc: 10}, {t: 20, elems: 20, proc: 10, want: 2000, ok: true}}},
		// Worked by hand from Spark's formula with the defaults (1s, 1.0,
		// 0.2, 0.0, 100):
		//  b1: rate 1000/500ms = 2000/s is recorded.
		//  b2: processingRate 1500, error 2000-1500 = 500, historical
		//      200*1500/1000 = 300; 2000 - 500 - 0.2*300 = 1440.
		//  b3: processingRate 500, error 940, historical 1000*500/1000 =
		//      500; 1440 - 940 - 100 = 400.
		//  b4: processingRate 10, error 390; 400 - 390 - 0.2*10 = 8 < 100.
		{name: "spark defaults by hand", interval: 1000, p: 1, i: 0.2, minR: 100,
			batches: []batch{
				{t: 1000, elems: 1000, proc: 500},
				{t: 2000, elems: 1500, proc: 1000, sched: 200, want: 1440, ok: true},
				{t: 3000, elems: 1000, proc: 2000, sched: 1000, want: 400, ok: true},
				{t: 4000, elems: 10, proc: 1000, sched: 1000, want: 100, ok: true},
			}},
		// Derivative 0.5, batches 2s apart:
		//  b2: error 500, dError (500-0)/2 = 250; 2000 - 500 - 60 - 125 = 1315.
		//  b3: processingRate 500, error 815, historical 500,
		//      dError (815-500)/2 = 157.5; 1315 - 815 - 100 - 78.75 = 321.25.
		{name: "derivative term by hand", interval: 1000, p: 1, i: 0.2, dv: 0.5, minR: 100,
			batches: []batch{
				{t: 0, elems: 1000, proc: 500},
				{t: 2000, elems: 1500, proc: 1000, sched: 200, want: 1315, ok: true},
				{t: 4000, elems: 1000, proc: 2000, sched: 1000, want: 321.25, ok: true},
			}},
		// Proportional 0.5 only moves half way to the processing rate:
		//  b2: error 2000-1000 = 1000; 2000 - 500 = 1500.
		{name: "half proportional by hand", interval: 1000, p: 0.5, minR: 1,
			batches: []batch{
				{t: 0, elems: 1000, proc: 500},
				{t: 1000, elems: 1000, proc: 1000, want: 1500, ok: true},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runBatches(t, mustPID(t, tc.interval, tc.p, tc.i, tc.dv, tc.minR), tc.batches)
		})
	}
}

// Spark's "estimate is never less than min rate".
func TestPIDNeverBelowMinRateSpark(t *testing.T) {
	est := mustPID(t, 20, 1, 1, 0, 5)
	for i := range int64(50) {
		got, ok := est.Compute(ms(i*20), 1, d(20), d(100))
		if i == 0 {
			if ok {
				t.Fatalf("first batch gave %v, want no estimate", got)
			}
			continue
		}
		if !ok || got != 5 {
			t.Fatalf("batch %d: Compute = %v, %v; want 5, true", i, got, ok)
		}
	}
}

// Spark's "with no accumulated or positive error, |I| > 0, follow the
// processing speed", increasing and decreasing.
func TestPIDFollowsProcessingSpeed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		elems func(x int64) int64
	}{
		{"increasing", func(x int64) int64 { return (x + 1) * 20 }},
		{"decreasing", func(x int64) int64 { return (50 - x) * 20 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			est := mustPID(t, 20, 1, 1, 0, 10)
			for x := range int64(50) {
				got, ok := est.Compute(ms(x*20), tc.elems(x), d(20), 0)
				if x == 0 {
					if ok {
						t.Fatalf("first batch gave %v", got)
					}
					continue
				}
				want := float64(tc.elems(x)) * 50 // elements per 20ms, per second
				if !ok || got != want {
					t.Fatalf("batch %d: Compute = %v, %v; want %v", x, got, ok, want)
				}
			}
		})
	}
}

// Spark's "with some accumulated and some positive error, |I| > 0, stay
// below the processing speed", with a seeded generator.
func TestPIDStaysBelowProcessingSpeed(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	est := mustPID(t, 20, 1, 0.01, 0, 10)
	for n := range int64(50) {
		elems := rng.Int64N(1000)
		sched := rng.Int64N(19)
		got, ok := est.Compute(ms(n*20), elems, d(20), d(sched))
		if n == 0 || elems == 0 {
			continue
		}
		if !ok {
			t.Fatalf("batch %d: no estimate", n)
		}
		speed := float64(elems) / 20 * 1000
		if got > 0 && sched > 0 && !(got < speed) {
			t.Fatalf("batch %d: rate %v not below processing speed %v with scheduling delay %dms", n, got, speed, sched)
		}
	}
}

// Property: whatever the batches, an estimate is never below MinRate.
func TestPIDPropertyNeverBelowMinRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for run := range 200 {
		cfg := PIDConfig{
			BatchInterval: d(1 + rng.Int64N(10_000)),
			Proportional:  rng.Float64() * 3,
			Integral:      rng.Float64() * 3,
			Derivative:    rng.Float64() * 3,
			MinRate:       0.001 + rng.Float64()*1000,
		}
		est, err := NewPIDEstimator(cfg)
		if err != nil {
			t.Fatal(err)
		}
		now := int64(0)
		estimates := 0
		for range 100 {
			now += rng.Int64N(5000) - 100 // sometimes goes back in time
			elems := rng.Int64N(1_000_000) - 1000
			proc := rng.Int64N(20_000) - 10
			sched := rng.Int64N(60_000)
			got, ok := est.Compute(ms(now), elems, d(proc), d(sched))
			if !ok {
				continue
			}
			estimates++
			if !(got >= cfg.MinRate) {
				t.Fatalf("run %d %+v: estimate %v below min rate %v", run, cfg, got, cfg.MinRate)
			}
		}
		if estimates == 0 {
			t.Fatalf("run %d produced no estimate at all; the property was not exercised", run)
		}
	}
}
