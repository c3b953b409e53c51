package kafkasource

import (
	"slices"
	"testing"
	"time"
)

func TestMaxMessagesPerPartition(t *testing.T) {
	for _, tc := range []struct {
		name             string
		lag              []int64
		rate             float64
		maxRate, minRate int64
		batch            time.Duration
		want             []int64 // nil: no limit
	}{
		// Cases from Spark's DirectKafkaStreamSuite.
		{name: "spark: backpressure disabled", lag: []int64{50, 50}, maxRate: 100, minRate: 1, batch: 100 * time.Millisecond, want: []int64{10, 10}},
		{name: "spark: no lag", lag: []int64{0, 0}, rate: 100, maxRate: 100, minRate: 1, batch: 100 * time.Millisecond},
		{name: "spark: respects max rate", lag: []int64{1000, 1000}, rate: 1000, maxRate: 50, minRate: 1, batch: 100 * time.Millisecond, want: []int64{5, 5}},
		{name: "spark: initialRate honors maxRatePerPartition", lag: []int64{1000}, rate: 500, maxRate: 1000, minRate: 1, batch: 500 * time.Millisecond, want: []int64{250}},
		{name: "spark: initialRate with backpressure", lag: []int64{1000}, rate: 1000, maxRate: 300, minRate: 1, batch: 500 * time.Millisecond, want: []int64{150}},
		{name: "spark: zero offset and rate equal to the minimum", lag: []int64{0, 100, 200, 300}, rate: 1, maxRate: 100, minRate: 5, batch: time.Minute, want: []int64{5, 10, 20, 30}},
		// Worked by hand.
		{name: "nothing configured", lag: []int64{7, 9}, minRate: 1, batch: time.Second},
		{name: "split by lag 3:1", lag: []int64{300, 100}, rate: 100, minRate: 1, batch: 2 * time.Second, want: []int64{150, 50}},
		{name: "split truncates toward zero", lag: []int64{2, 1}, rate: 10, batch: time.Second, want: []int64{6, 3}},
		{name: "floor applies to a starved partition", lag: []int64{990, 10}, rate: 10, minRate: 5, batch: time.Second, want: []int64{9, 5}},
		{name: "no floor when min is 0", lag: []int64{990, 10}, rate: 10, batch: time.Second, want: []int64{9, 0}},
		{name: "negative lag counts as none", lag: []int64{-5, 10}, rate: 10, minRate: 1, batch: time.Second, want: []int64{1, 10}},
		{name: "max rate only, sub-second batch", lag: []int64{1, 1_000_000}, maxRate: 7, minRate: 1, batch: 1500 * time.Millisecond, want: []int64{10, 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := maxMessagesPerPartition(tc.lag, tc.rate, tc.maxRate, tc.minRate, tc.batch)
			if ok != (tc.want != nil) || !slices.Equal(got, tc.want) {
				t.Fatalf("maxMessagesPerPartition = %v, %v; want %v", got, ok, tc.want)
			}
		})
	}
}

func TestToLong(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want int64
	}{{2.9, 2}, {-2.9, -2}, {1e300, 1<<63 - 1}, {-1e300, -1 << 63}, {0, 0}} {
		if got := toLong(tc.in); got != tc.want {
			t.Errorf("toLong(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
