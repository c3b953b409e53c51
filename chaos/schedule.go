package chaos

import (
	"math/rand/v2"
	"time"
)

// Schedule draws the kills of a run: each kill's kind and the gap before
// it. The first len(Kinds) kills are each kind once, shuffled, so that any
// run long enough for them covers every kind; later kinds are uniform. The
// same seed gives the same sequence.
type Schedule struct {
	rng      *rand.Rand
	interval time.Duration
	first    []Kind
	n        int
}

// NewSchedule returns the schedule for seed with gaps of mean interval.
func NewSchedule(seed uint64, interval time.Duration) *Schedule {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	first := append([]Kind(nil), Kinds...)
	rng.Shuffle(len(first), func(i, j int) { first[i], first[j] = first[j], first[i] })
	return &Schedule{rng: rng, interval: interval, first: first}
}

// Next returns the next kill's kind and the gap to wait before it: uniform
// in [interval/2, 3·interval/2), so its mean is the interval (0 for an
// interval that is not positive).
func (s *Schedule) Next() (Kind, time.Duration) {
	var gap time.Duration
	if s.interval > 0 {
		gap = s.interval/2 + time.Duration(s.rng.Int64N(int64(s.interval)))
	}
	var k Kind
	if s.n < len(s.first) {
		k = s.first[s.n]
	} else {
		k = Kinds[s.rng.IntN(len(Kinds))]
	}
	s.n++
	return k, gap
}
