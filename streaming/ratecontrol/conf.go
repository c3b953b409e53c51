package ratecontrol

import (
	"time"

	"github.com/spindlehq/spindle/conf"
)

// ConfigFromApp builds a Config from an application's
// spark.streaming.backpressure.* keys, checked and parsed at submit, with
// Spark's defaults for those not set, for a stream with the given batch
// interval. The result is validated.
func ConfigFromApp(a conf.AppConf, batchInterval time.Duration) (Config, error) {
	cfg := DefaultConfig(batchInterval)
	cfg.Enabled = a.Bool(conf.KeyBackpressureEnabled)
	cfg.InitialRate = float64(a.Int(conf.KeyBackpressureInitial))
	cfg.PID.Proportional = a.Float(conf.KeyBackpressureP)
	cfg.PID.Integral = a.Float(conf.KeyBackpressureI)
	cfg.PID.Derivative = a.Float(conf.KeyBackpressureD)
	cfg.PID.MinRate = a.Float(conf.KeyBackpressureMinRate)
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}
