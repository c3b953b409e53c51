package ratecontrol

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConfigFromConf(t *testing.T) {
	cfg, err := ConfigFromConf(map[string]string{"spark.app.name": "x"}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Enabled || cfg.InitialRate != 0 || cfg.PID != DefaultPIDConfig(time.Second) {
		t.Fatalf("defaults = %+v, want disabled with Spark's PID defaults", cfg)
	}

	cfg, err = ConfigFromConf(map[string]string{
		KeyEnabled:      "TRUE",
		KeyInitialRate:  " 1000 ",
		KeyEstimator:    "pid",
		KeyProportional: "0.5",
		KeyIntegral:     "0",
		KeyDerived:      "0.1",
		KeyMinRate:      "1e3",
	}, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Enabled: true, InitialRate: 1000, PID: PIDConfig{BatchInterval: 2 * time.Second, Proportional: 0.5, Integral: 0, Derivative: 0.1, MinRate: 1000}}
	if cfg.Enabled != want.Enabled || cfg.InitialRate != want.InitialRate || cfg.PID != want.PID {
		t.Fatalf("ConfigFromConf = %+v, want %+v", cfg, want)
	}
}

func TestConfigFromConfErrors(t *testing.T) {
	for _, tc := range []struct {
		conf     map[string]string
		interval time.Duration
		mention  string
	}{
		{map[string]string{KeyEnabled: "yes"}, time.Second, KeyEnabled},
		{map[string]string{KeyInitialRate: "1.5"}, time.Second, KeyInitialRate},
		{map[string]string{KeyInitialRate: "-3"}, time.Second, KeyInitialRate},
		{map[string]string{KeyEstimator: "gradient"}, time.Second, "gradient"},
		{map[string]string{KeyProportional: "abc"}, time.Second, KeyProportional},
		{map[string]string{KeyIntegral: "NaN"}, time.Second, KeyIntegral},
		{map[string]string{KeyDerived: "Inf"}, time.Second, KeyDerived},
		{map[string]string{KeyEnabled: "true", KeyMinRate: "0"}, time.Second, "minimum rate"},
		{map[string]string{KeyEnabled: "true", KeyIntegral: "-1"}, time.Second, "integral"},
		{map[string]string{KeyEnabled: "true"}, 0, "batch interval"},
		{map[string]string{"spark.streaming.backpressure.pid.minrate": "5"}, time.Second, "spark.streaming.backpressure.pid.minrate"},
	} {
		_, err := ConfigFromConf(tc.conf, tc.interval)
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("ConfigFromConf(%v) error = %v, want ErrInvalidConfig mentioning %q", tc.conf, err, tc.mention)
		}
	}
}

func FuzzConfigFromConf(f *testing.F) {
	f.Add(KeyEnabled, "true", KeyMinRate, "100", int64(1000))
	f.Add(KeyInitialRate, "-1", KeyProportional, "x", int64(0))
	f.Add("spark.streaming.backpressure.other", "1", KeyDerived, "1e400", int64(1))
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string, intervalMs int64) {
		conf := map[string]string{k1: v1, k2: v2}
		cfg, err := ConfigFromConf(conf, time.Duration(intervalMs)*time.Millisecond)
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v does not wrap ErrInvalidConfig", err)
			}
			if !strings.Contains(err.Error(), "spark.streaming.backpressure.") && !strings.Contains(err.Error(), "must be") {
				t.Fatalf("error %q names neither a key nor a requirement", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted config does not validate: %v", err)
		}
		if _, err := NewRateController(cfg); err != nil {
			t.Fatalf("accepted config rejected by NewRateController: %v", err)
		}
	})
}
