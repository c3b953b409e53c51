package testutil

import (
	"testing"
	"time"
)

// pollInterval is how often WaitFor checks its condition.
const pollInterval = 20 * time.Millisecond

// WaitFor polls cond until it reports true or timeout passes, then fails the
// test with cond's last explanation.
func WaitFor(tb testing.TB, timeout time.Duration, cond func() (bool, string)) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met within %v: %s", timeout, why)
		}
		time.Sleep(pollInterval)
	}
}

// Consistently checks cond throughout an observation window of d and fails
// the test the first time it does not hold.
func Consistently(tb testing.TB, d time.Duration, cond func() (bool, string)) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if ok, why := cond(); !ok {
			tb.Fatalf("condition stopped holding: %s", why)
		}
		time.Sleep(pollInterval)
	}
}
