package appmaster

import (
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/launch"
)

// ConfigFromSpec turns a launch spec into an AM Config, reading the typed
// settings submit checked; the attempt's own values (RM address, token,
// id, host) are the caller's.
func ConfigFromSpec(spec launch.Spec) Config {
	a := spec.Settings
	cfg := DefaultConfig()
	cfg.NumExecutors = int(a.Int(conf.KeyExecutorInstances))
	cfg.ExecutorMemoryMB = a.MB(conf.KeyExecutorMemory)
	cfg.ExecutorCores = int32(a.Int(conf.KeyExecutorCores))
	cfg.ExecutorOverheadMB = launch.ExecutorOverheadMB(a)
	cfg.MaxExecutorFailures = DefaultMaxExecutorFailures(cfg.NumExecutors)
	if a.IsSet(conf.KeyExecutorMaxFailures) {
		cfg.MaxExecutorFailures = int(a.Int(conf.KeyExecutorMaxFailures))
	}
	cfg.ExecutorFailuresValidity = a.Duration(conf.KeyExecutorFailuresValidity)
	cfg.ContainerLaunchTimeout = a.Duration(conf.KeyContainerLaunchTimeout)
	cfg.HeartbeatInterval = a.Duration(conf.KeyAMHeartbeatInterval)
	cfg.InitialAllocationInterval = a.Duration(conf.KeyAMInitialAllocation)
	cfg.RMUnreachableTimeout = a.Duration(conf.KeyAMRMUnreachableTimeout)
	cfg.ExecutorCommand = []string{launch.BinaryVar, "executor"}
	// Spark's spark.executorEnv.NAME and spark.yarn.appMasterEnv.NAME.
	cfg.ExecutorEnv, cfg.DriverEnv = a.Family(conf.KeyExecutorEnv), a.Family(conf.KeyAppMasterEnv)
	cfg.LocalResources = launch.ToPB(spec.Resources)
	cfg.DriverAddress = spec.DriverAddress
	if spec.DriverAddress == "" && a.String(conf.KeyDriverMode) == conf.DriverModeProcess {
		cfg.DriverCommand = append([]string{"./" + spec.Application}, spec.Args...)
	}
	return cfg
}
