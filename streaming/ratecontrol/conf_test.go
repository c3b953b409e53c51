package ratecontrol

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/conf"
)

// appConf sets pairs of keys and values as spindle submit does.
func appConf(t *testing.T, pairs ...string) conf.AppConf {
	t.Helper()
	var a conf.AppConf
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := a.Set(pairs[i], pairs[i+1]); err != nil {
			t.Fatalf("%s=%q: %v", pairs[i], pairs[i+1], err)
		}
	}
	return a
}

func TestConfigFromApp(t *testing.T) {
	cfg, err := ConfigFromApp(appConf(t, "spark.app.name", "x"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Enabled || cfg.InitialRate != 0 || cfg.PID != DefaultPIDConfig(time.Second) {
		t.Fatalf("defaults = %+v, want disabled with Spark's PID defaults", cfg)
	}

	cfg, err = ConfigFromApp(appConf(t,
		conf.KeyBackpressureEnabled, "TRUE",
		conf.KeyBackpressureInitial, " 1000 ",
		conf.KeyBackpressureEstimator, "pid",
		conf.KeyBackpressureP, "0.5",
		conf.KeyBackpressureI, "0",
		conf.KeyBackpressureD, "0.1",
		conf.KeyBackpressureMinRate, "1e3",
	), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Enabled: true, InitialRate: 1000, PID: PIDConfig{BatchInterval: 2 * time.Second, Proportional: 0.5, Integral: 0, Derivative: 0.1, MinRate: 1000}}
	if cfg.Enabled != want.Enabled || cfg.InitialRate != want.InitialRate || cfg.PID != want.PID {
		t.Fatalf("ConfigFromApp = %+v, want %+v", cfg, want)
	}
}

func TestConfigFromAppErrors(t *testing.T) {
	if _, err := ConfigFromApp(appConf(t, conf.KeyBackpressureEnabled, "true"), 0); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "batch interval") {
		t.Errorf("a zero batch interval: %v", err)
	}
	// Values that do not fit their keys never reach ConfigFromApp: submit
	// refuses them.
	for _, kv := range [][2]string{
		{conf.KeyBackpressureEnabled, "yes"},
		{conf.KeyBackpressureInitial, "1.5"},
		{conf.KeyBackpressureInitial, "-3"},
		{conf.KeyBackpressureEstimator, "gradient"},
		{conf.KeyBackpressureP, "abc"},
		{conf.KeyBackpressureI, "NaN"},
		{conf.KeyBackpressureD, "Inf"},
		{conf.KeyBackpressureI, "-1"},
		{conf.KeyBackpressureMinRate, "0"},
	} {
		var a conf.AppConf
		if err := a.Set(kv[0], kv[1]); !errors.Is(err, conf.ErrInvalidValue) || !strings.Contains(err.Error(), kv[1]) {
			t.Errorf("%s=%q: %v, want a refusal showing the value", kv[0], kv[1], err)
		}
	}
}
