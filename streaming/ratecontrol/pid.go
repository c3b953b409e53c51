package ratecontrol

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// PIDConfig holds the parameters of a PIDEstimator.
type PIDConfig struct {
	// BatchInterval is the stream's batch duration; it must be at least one
	// millisecond, the unit the estimator works in.
	BatchInterval time.Duration
	// Proportional weighs the current error, the difference between the
	// previous rate and the rate the last batch was processed at
	// (spark.streaming.backpressure.pid.proportional, default 1.0).
	Proportional float64
	// Integral weighs the accumulated error, derived from the scheduling
	// delay (spark.streaming.backpressure.pid.integral, default 0.2).
	Integral float64
	// Derivative weighs the change of the error per second
	// (spark.streaming.backpressure.pid.derived, default 0.0).
	Derivative float64
	// MinRate is the lowest rate ever estimated, in records per second; it
	// keeps some data flowing so that estimation can go on
	// (spark.streaming.backpressure.pid.minRate, default 100).
	MinRate float64
}

// DefaultPIDConfig returns Spark's defaults for a stream with the given batch
// interval.
func DefaultPIDConfig(batchInterval time.Duration) PIDConfig {
	return PIDConfig{
		BatchInterval: batchInterval,
		Proportional:  1.0,
		Integral:      0.2,
		Derivative:    0.0,
		MinRate:       100,
	}
}

// Validate applies Spark's requirements: a positive batch interval,
// non-negative gains and a positive minimum rate. Non-finite values are
// rejected as well.
func (c PIDConfig) Validate() error {
	if c.BatchInterval.Milliseconds() <= 0 {
		return fmt.Errorf("%w: batch interval %v must be at least 1ms", ErrInvalidConfig, c.BatchInterval)
	}
	for _, g := range []struct {
		name string
		v    float64
	}{{"proportional", c.Proportional}, {"integral", c.Integral}, {"derivative", c.Derivative}} {
		if !(g.v >= 0) || math.IsInf(g.v, 0) {
			return fmt.Errorf("%w: %s term %v must be a finite number >= 0", ErrInvalidConfig, g.name, g.v)
		}
	}
	if !(c.MinRate > 0) || math.IsInf(c.MinRate, 0) {
		return fmt.Errorf("%w: minimum rate %v must be a finite number > 0", ErrInvalidConfig, c.MinRate)
	}
	return nil
}

// PIDEstimator is Spark Streaming's PIDRateEstimator. It is safe for
// concurrent use.
type PIDEstimator struct {
	cfg        PIDConfig
	intervalMs float64

	mu          sync.Mutex
	firstRun    bool
	hasLatest   bool
	latestTime  int64 // milliseconds since the epoch
	latestRate  float64
	latestError float64
}

// NewPIDEstimator returns an estimator, or an error wrapping
// ErrInvalidConfig if cfg does not validate.
func NewPIDEstimator(cfg PIDConfig) (*PIDEstimator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &PIDEstimator{
		cfg:         cfg,
		intervalMs:  float64(cfg.BatchInterval.Milliseconds()),
		firstRun:    true,
		latestRate:  -1,
		latestError: -1,
	}, nil
}

// Config returns the estimator's parameters.
func (p *PIDEstimator) Config() PIDConfig { return p.cfg }

// Compute updates the estimate with one completed batch: t is when its
// processing ended, numElements how many records it held, processingDelay
// how long processing took and schedulingDelay how long it waited to start.
// It returns the new rate in records per second, or ok false when there is
// no estimate: on the first usable batch (which only records the processing
// rate), when t does not advance past the previous batch, when the batch held
// no records, or when its processing delay is under a millisecond.
//
// Durations are taken in whole milliseconds and the arithmetic follows
// Spark's, so results are bit-for-bit those of PIDRateEstimator.
func (p *PIDEstimator) Compute(t time.Time, numElements int64, processingDelay, schedulingDelay time.Duration) (newRate float64, ok bool) {
	timeMs := t.UnixMilli()
	procMs := processingDelay.Milliseconds()
	schedMs := schedulingDelay.Milliseconds()

	p.mu.Lock()
	defer p.mu.Unlock()
	// Spark starts latestTime at -1; a flag gives the same "anything
	// advances past the start" without depending on the epoch.
	if (p.hasLatest && timeMs <= p.latestTime) || numElements <= 0 || procMs <= 0 {
		return 0, false
	}

	// Seconds since the last update, close to the batch interval.
	delaySinceUpdate := float64(timeMs-p.latestTime) / 1000
	// Records per second the last batch was processed at.
	processingRate := float64(numElements) / float64(procMs) * 1000
	// The rate asked for minus the rate achieved.
	errorRate := p.latestRate - processingRate
	// A scheduling delay s means about s*processingRate records overflowed
	// earlier batches; spread over a batch interval that is the rate by which
	// earlier estimates were too high.
	historicalError := float64(schedMs) * processingRate / p.intervalMs
	dError := (errorRate - p.latestError) / delaySinceUpdate

	rate := p.latestRate -
		p.cfg.Proportional*errorRate -
		p.cfg.Integral*historicalError -
		p.cfg.Derivative*dError
	if !(rate >= p.cfg.MinRate) {
		rate = p.cfg.MinRate
	}

	p.latestTime = timeMs
	p.hasLatest = true
	if p.firstRun {
		p.latestRate = processingRate
		p.latestError = 0
		p.firstRun = false
		return 0, false
	}
	p.latestRate = rate
	p.latestError = errorRate
	return rate, true
}
