package ratecontrol

import (
	"fmt"
	"math"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Config configures a RateController.
type Config struct {
	// Enabled turns backpressure on (spark.streaming.backpressure.enabled).
	// A disabled controller never has a rate and its Limit is 0.
	Enabled bool
	// InitialRate is the rate limit, in records per second, for batches
	// planned before the first estimate; 0 means none
	// (spark.streaming.backpressure.initialRate).
	InitialRate float64
	// PID parameterises the estimator; only validated when Enabled.
	PID PIDConfig
	// OnRate, when set, is called with every new rate, synchronously from
	// OnBatchCompleted. It must not call back into the controller.
	OnRate func(rate float64)
	// Logger receives one line per new rate; nil logs nothing.
	Logger *zap.Logger
}

// DefaultConfig returns a disabled controller configuration with Spark's PID
// defaults for the given batch interval.
func DefaultConfig(batchInterval time.Duration) Config {
	return Config{PID: DefaultPIDConfig(batchInterval)}
}

// Validate checks the initial rate and, when enabled, the PID parameters.
func (c Config) Validate() error {
	if !(c.InitialRate >= 0) || math.IsInf(c.InitialRate, 0) {
		return fmt.Errorf("%w: initial rate %v must be a finite number >= 0", ErrInvalidConfig, c.InitialRate)
	}
	if c.Enabled {
		return c.PID.Validate()
	}
	return nil
}

// BatchInfo describes one completed batch of the stream.
type BatchInfo struct {
	// Time is when the batch finished processing.
	Time time.Time
	// Records is how many records of this stream the batch held.
	Records int64
	// ProcessingDelay is how long processing the batch took.
	ProcessingDelay time.Duration
	// SchedulingDelay is how long the batch waited before processing began.
	SchedulingDelay time.Duration
}

// RateController keeps the backpressure rate of one input stream, fed by
// batch completions. It is safe for concurrent use.
type RateController struct {
	cfg       Config
	estimator *PIDEstimator
	log       *zap.Logger

	mu   sync.Mutex // serialises estimates and publishing, in batch order
	rate float64
	has  bool
}

// NewRateController returns a controller, or an error wrapping
// ErrInvalidConfig if cfg does not validate.
func NewRateController(cfg Config) (*RateController, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	rc := &RateController{cfg: cfg, log: log}
	if cfg.Enabled {
		est, err := NewPIDEstimator(cfg.PID)
		if err != nil {
			return nil, err
		}
		rc.estimator = est
		log.Info("Created PIDRateEstimator",
			zap.Float64("proportional", cfg.PID.Proportional),
			zap.Float64("integral", cfg.PID.Integral),
			zap.Float64("derivative", cfg.PID.Derivative),
			zap.Float64("min_rate", cfg.PID.MinRate),
			zap.Duration("batch_interval", cfg.PID.BatchInterval))
	}
	return rc, nil
}

// OnBatchCompleted feeds one completed batch to the estimator and, if it
// yields a new rate, stores it truncated to whole records per second (as
// Spark keeps it), logs it and calls OnRate.
func (rc *RateController) OnBatchCompleted(b BatchInfo) {
	if rc.estimator == nil {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	est, ok := rc.estimator.Compute(b.Time, b.Records, b.ProcessingDelay, b.SchedulingDelay)
	if !ok {
		return
	}
	rate := truncRate(est)
	rc.rate, rc.has = rate, true
	// The message is Spark's own, value included, so existing log searches
	// and alerts keep matching; the rate is also a typed field.
	rc.log.Info(fmt.Sprintf("Received a new rate limit: %d.", int64(rate)), zap.Int64("rate", int64(rate)))
	if rc.cfg.OnRate != nil {
		rc.cfg.OnRate(rate)
	}
}

// Rate returns the latest estimated rate in whole records per second, and
// false before the first estimate or when backpressure is disabled.
func (rc *RateController) Rate() (float64, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.rate, rc.has
}

// Limit returns the rate limit to plan the next batch with, as Spark's
// direct Kafka stream chooses it: the latest estimate if it is positive,
// else the initial rate; 0 (no limit) when backpressure is disabled.
func (rc *RateController) Limit() float64 {
	if !rc.cfg.Enabled {
		return 0
	}
	if r, ok := rc.Rate(); ok && r > 0 {
		return r
	}
	return rc.cfg.InitialRate
}

// truncRate converts like Scala's Double.toLong: toward zero, saturating.
func truncRate(r float64) float64 {
	if r >= math.MaxInt64 {
		return math.MaxInt64
	}
	return math.Trunc(r)
}
