package appmaster

import (
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Bounds of the wait before asking again for executors the RM refused.
const (
	minAskBackoff = time.Second
	maxAskBackoff = time.Minute
)

// askBackoff follows the RM's refusals of the executor asks and its
// unanswered heartbeats, so that the AM waits instead of asking ten times
// a second. The RM records why it refused in the application's
// diagnostics.
type askBackoff struct {
	// retryAt: the executor asks are left out of heartbeats until then.
	retryAt time.Time
	// refused is the current wait after a refusal; 0 when none.
	refused time.Duration
	// failures counts heartbeats in a row that got no answer.
	failures int
}

// succeeded records a heartbeat the RM answered.
func (b *askBackoff) succeeded() {
	b.failures = 0
	if time.Now().After(b.retryAt) {
		// The asks went with it and were accepted.
		b.refused = 0
	}
}

// allocateFailed handles a heartbeat that failed: asks the RM refused
// (InvalidArgument) are left out for a doubling while, so that the AM
// goes on heartbeating; other failures slow the heartbeats down.
func (am *AppMaster) allocateFailed(err error) {
	if status.Code(err) == codes.InvalidArgument {
		am.rmSeen = time.Now() // a refusal is an answer: the RM is there
		am.asks.refused = min(max(2*am.asks.refused, minAskBackoff), maxAskBackoff)
		am.asks.retryAt = time.Now().Add(am.asks.refused)
		am.lg.Warn("resourcemanager refused the executor asks; asking again later (see the application's diagnostics)",
			zap.Int("pending", am.cfg.NumExecutors-len(am.executors)), zap.Duration("retryIn", am.asks.refused), zap.Error(err))
		return
	}
	am.asks.failures++
	am.lg.Warn("allocate failed", zap.Int("failures", am.asks.failures), zap.Error(err))
}

// heartbeatInterval is the wait before the next Allocate: short while
// executors are asked for, longer when nothing is or the asks wait after a
// refusal, and growing while heartbeats fail.
func (am *AppMaster) heartbeatInterval() time.Duration {
	interval := am.cfg.HeartbeatInterval
	if len(am.executors) < am.cfg.NumExecutors && !time.Now().Before(am.asks.retryAt) {
		interval = am.cfg.InitialAllocationInterval
	}
	if f := am.asks.failures; f > 0 {
		interval = min(am.cfg.InitialAllocationInterval<<min(f, 16), max(interval, am.cfg.HeartbeatInterval))
	}
	return interval
}
