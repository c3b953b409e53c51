package appmaster

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/launch"
)

// ConfigFromSpec turns a launch spec into an AM Config; the attempt's own
// values (RM address, token, id, host) are the caller's.
func ConfigFromSpec(spec launch.Spec) (Config, error) {
	cfg := DefaultConfig()
	r := specReader{conf: spec.Conf}
	cfg.NumExecutors = int(r.int("spark.executor.instances", 2))
	cfg.ExecutorMemoryMB = r.sizeMB("spark.executor.memory", 1024)
	cfg.ExecutorCores = int32(r.int("spark.executor.cores", 1))
	cfg.ExecutorOverheadMB = r.sizeMB("spark.yarn.executor.memoryOverhead", 0)
	if _, ok := spec.Conf["spark.executor.memoryOverhead"]; ok {
		cfg.ExecutorOverheadMB = r.sizeMB("spark.executor.memoryOverhead", 0)
	}
	cfg.MaxExecutorFailures = int(r.int("spark.yarn.max.executor.failures", int64(DefaultMaxExecutorFailures(cfg.NumExecutors))))
	cfg.ExecutorFailuresValidity = r.duration("spark.yarn.executor.failuresValidityInterval", 0, time.Millisecond)
	cfg.ContainerLaunchTimeout = r.duration("spark.yarn.containerLaunchTimeout", 120*time.Second, time.Second)
	cfg.HeartbeatInterval = r.duration("spark.yarn.scheduler.heartbeat.interval-ms", time.Second, time.Millisecond)
	cfg.InitialAllocationInterval = r.duration("spark.yarn.scheduler.initial-allocation.interval", 100*time.Millisecond, time.Millisecond)
	cfg.ExecutorCommand = []string{launch.BinaryVar, "executor"}
	// Spark's spark.executorEnv.NAME and spark.yarn.appMasterEnv.NAME.
	cfg.ExecutorEnv, cfg.DriverEnv = map[string]string{}, map[string]string{}
	for k, v := range spec.Conf {
		if name, ok := strings.CutPrefix(k, "spark.executorEnv."); ok && name != "" {
			cfg.ExecutorEnv[name] = v
		}
		if name, ok := strings.CutPrefix(k, "spark.yarn.appMasterEnv."); ok && name != "" {
			cfg.DriverEnv[name] = v
		}
	}
	cfg.LocalResources = launch.ToPB(spec.Resources)
	cfg.DriverAddress = spec.DriverAddress
	mode, err := driver.DriverMode(spec.Conf)
	if err != nil {
		return cfg, err
	}
	if spec.DriverAddress == "" && mode == driver.DriverModeProcess {
		cfg.DriverCommand = append([]string{"./" + spec.Application}, spec.Args...)
	}
	return cfg, r.err
}

// specReader reads typed keys, keeping the first error.
type specReader struct {
	conf map[string]string
	err  error
}

func (r *specReader) fail(key, v string, err error) {
	if r.err == nil {
		r.err = fmt.Errorf("appmaster: %s = %q: %w", key, v, err)
	}
}

func (r *specReader) int(key string, def int64) int64 {
	v, ok := r.conf[key]
	if !ok || v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		r.fail(key, v, err)
	}
	return n
}

func (r *specReader) sizeMB(key string, def int64) int64 {
	v, ok := r.conf[key]
	if !ok || v == "" {
		return def
	}
	b, err := conf.ParseSize(v, "m")
	if err != nil {
		r.fail(key, v, err)
	}
	return b >> 20
}

func (r *specReader) duration(key string, def, unit time.Duration) time.Duration {
	v, ok := r.conf[key]
	if !ok || v == "" {
		return def
	}
	d, err := conf.ParseDuration(v, unit)
	if err != nil {
		r.fail(key, v, err)
	}
	return d
}
