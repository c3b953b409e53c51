package ratecontrol

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Configuration keys read by ConfigFromConf.
const (
	KeyEnabled      = "spark.streaming.backpressure.enabled"
	KeyInitialRate  = "spark.streaming.backpressure.initialRate"
	KeyEstimator    = "spark.streaming.backpressure.rateEstimator"
	KeyProportional = "spark.streaming.backpressure.pid.proportional"
	KeyIntegral     = "spark.streaming.backpressure.pid.integral"
	KeyDerived      = "spark.streaming.backpressure.pid.derived"
	KeyMinRate      = "spark.streaming.backpressure.pid.minRate"
)

const backpressurePrefix = "spark.streaming.backpressure."

// ConfigFromConf builds a Config from Spark-style keys, with Spark's
// defaults for missing ones, for a stream with the given batch interval.
// Keys outside spark.streaming.backpressure.* are ignored; an unknown key
// inside it is an error naming the key. The result is validated.
func ConfigFromConf(conf map[string]string, batchInterval time.Duration) (Config, error) {
	cfg := DefaultConfig(batchInterval)
	for key, raw := range conf {
		if !strings.HasPrefix(key, backpressurePrefix) {
			continue
		}
		v := strings.TrimSpace(raw)
		var err error
		switch key {
		case KeyEnabled:
			cfg.Enabled, err = parseBool(v)
		case KeyInitialRate:
			var n int64
			n, err = strconv.ParseInt(v, 10, 64)
			if err == nil && n < 0 {
				err = errors.New("must be >= 0")
			}
			cfg.InitialRate = float64(n)
		case KeyEstimator:
			if v != "pid" {
				err = fmt.Errorf("unknown rate estimator %q, only pid is supported", v)
			}
		case KeyProportional:
			cfg.PID.Proportional, err = parseFloat(v)
		case KeyIntegral:
			cfg.PID.Integral, err = parseFloat(v)
		case KeyDerived:
			cfg.PID.Derivative, err = parseFloat(v)
		case KeyMinRate:
			cfg.PID.MinRate, err = parseFloat(v)
		default:
			return Config{}, fmt.Errorf("%w: unknown key %s", ErrInvalidConfig, key)
		}
		if err != nil {
			return Config{}, fmt.Errorf("%w: %s=%q: %w", ErrInvalidConfig, key, raw, err)
		}
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// parseBool accepts what Scala's toBoolean does: true or false in any case.
func parseBool(s string) (bool, error) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, nil
	case strings.EqualFold(s, "false"):
		return false, nil
	}
	return false, errors.New("not a boolean")
}

func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, errors.New("not a number")
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errors.New("not a finite number")
	}
	return f, nil
}
