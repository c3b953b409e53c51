package driver

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/spindlehq/spindle/conf"
	"go.uber.org/zap"
)

// stopCheckInterval is how often a SIGTERM stop request is looked for.
const stopCheckInterval = 100 * time.Millisecond

// gracefulStop follows the two ways a graceful stop is asked for — SIGTERM
// with spark.streaming.stopGracefullyOnShutdown, and the marker file — and
// bounds the stop by spark.streaming.gracefulStopTimeout: once a stop is
// asked for, the engine has that long to finish its batch before its
// context is cancelled.
type gracefulStop struct {
	sigterm    func() bool
	marker     func(context.Context) bool
	markerPath string
	poll       time.Duration
	timeout    time.Duration
	logger     *zap.Logger

	requested atomic.Bool
	timedOut  atomic.Bool
}

// stopRequested is the engine's Stop: it checks between batches.
func (g *gracefulStop) stopRequested(context.Context) bool { return g.requested.Load() }

// watch looks for a stop request until ctx ends, then cancels the engine
// through cancelEngine if it has not stopped within the timeout.
func (g *gracefulStop) watch(ctx context.Context, cancelEngine func()) {
	tick := time.NewTicker(min(stopCheckInterval, g.poll))
	defer tick.Stop()
	var lastPoll time.Time
	for !g.requested.Load() {
		switch {
		case g.sigterm != nil && g.sigterm():
			g.logger.Info("SIGTERM: stopping gracefully", zap.Duration("timeout", g.timeout))
			g.requested.Store(true)
			continue
		case time.Since(lastPoll) >= g.poll:
			lastPoll = time.Now()
			if g.marker(ctx) {
				g.logger.Info("shutdown marker found: stopping gracefully", zap.String("marker", g.markerPath), zap.Duration("timeout", g.timeout))
				g.requested.Store(true)
				continue
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
	t := time.NewTimer(g.timeout)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
		g.timedOut.Store(true)
		g.logger.Warn("graceful stop not done in time: abandoning the batch in flight", zap.Duration("timeout", g.timeout), zap.String("key", conf.KeyGracefulStopTimeout))
		cancelEngine()
	}
}
