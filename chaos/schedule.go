package chaos

import (
	"math/rand/v2"
	"time"
)

// Schedule draws the faults of a run: each fault's kind and the gap
// before it. The first len(kinds) faults are each kind once, shuffled, so
// that any run long enough for them covers every kind; later kinds are
// uniform. The same seed gives the same sequence.
type Schedule struct {
	rng      *rand.Rand
	interval time.Duration
	kinds    []Kind
	first    []Kind
	n        int
}

// NewSchedule returns the schedule for seed over kinds (every kind when
// none) with gaps of mean interval.
func NewSchedule(seed uint64, interval time.Duration, kinds ...Kind) *Schedule {
	if len(kinds) == 0 {
		kinds = Kinds
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	first := append([]Kind(nil), kinds...)
	rng.Shuffle(len(first), func(i, j int) { first[i], first[j] = first[j], first[i] })
	return &Schedule{rng: rng, interval: interval, kinds: kinds, first: first}
}

// Next returns the next fault's kind and the gap to wait before it:
// uniform in [interval/2, 3·interval/2), so its mean is the interval (0
// for an interval that is not positive).
func (s *Schedule) Next() (Kind, time.Duration) {
	var gap time.Duration
	if s.interval > 0 {
		gap = s.interval/2 + time.Duration(s.rng.Int64N(int64(s.interval)))
	}
	var k Kind
	if s.n < len(s.first) {
		k = s.first[s.n]
	} else {
		k = s.kinds[s.rng.IntN(len(s.kinds))]
	}
	s.n++
	return k, gap
}
