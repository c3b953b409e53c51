package sdk

import (
	"context"
	"math"
	"sync"
	"time"
)

// rateLimiter spaces out records to a rate, as the Guava RateLimiter
// behind Spark's receivers: each wait reserves its records' share of a
// second after the records reserved before it. A rate of 0 lets every
// record through.
type rateLimiter struct {
	mu   sync.Mutex
	rate float64
	// next is when the next record may go.
	next time.Time
}

func newRateLimiter(rate float64) *rateLimiter {
	return &rateLimiter{rate: sanitizeRate(rate)}
}

// sanitizeRate turns a rate that is not a positive number into "no limit".
func sanitizeRate(rate float64) float64 {
	if math.IsNaN(rate) || math.IsInf(rate, 0) || rate <= 0 {
		return 0
	}
	return rate
}

// set changes the rate for the records reserved from now on.
func (l *rateLimiter) set(rate float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rate = sanitizeRate(rate)
}

func (l *rateLimiter) limit() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}

// wait returns once n records may go, or with ctx's error, or
// ErrReceiverStopped once done is closed.
func (l *rateLimiter) wait(ctx context.Context, done <-chan struct{}, n int) error {
	l.mu.Lock()
	if l.rate == 0 {
		l.mu.Unlock()
		return nil
	}
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(time.Duration(float64(n) / l.rate * float64(time.Second)))
	l.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-done:
		return ErrReceiverStopped
	}
}
