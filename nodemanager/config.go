package nodemanager

import (
	"errors"
	"fmt"
	"github.com/spindlehq/spindle/resourcemanager/failover"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/logging"
	"github.com/spindlehq/spindle/membership"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
)

// Config configures a NodeManager.
type Config struct {
	// Address serves ContainerManagement; its host:port is the node id (yarn.nodemanager.address).
	Address string
	// WebAddress serves the NM's HTTP endpoints (yarn.nodemanager.webapp.address).
	WebAddress string
	// BindHost, when set, is the host the services listen on, with the
	// ports of their addresses (yarn.nodemanager.bind-host).
	BindHost string
	// ResourceTrackerAddress is the RM's ResourceTracker
	// (yarn.resourcemanager.resource-tracker.address), or those of the RMs
	// of a group as "rm1=host:port,rm2=host:port".
	ResourceTrackerAddress string
	// Failover is how heartbeats move between the RMs of a group.
	Failover failover.Policy
	// MemoryMB is the memory offered to containers; -1 = the machine's.
	MemoryMB int64
	// VCores is the vcores offered to containers; -1 = the number of CPUs.
	VCores int32
	// LocalDirs hold containers' working dirs (yarn.nodemanager.local-dirs).
	LocalDirs []string
	// LocalizerCacheMB is the size the localizer's cache is trimmed to; 0
	// turns it off (yarn.nodemanager.localizer.cache.target-size-mb).
	LocalizerCacheMB int64
	// LogDirs hold containers' log dirs (yarn.nodemanager.log-dirs).
	LogDirs []string
	// ContainerLogs bounds each container's stdout and stderr: each rolls
	// at MaxSize, keeps MaxBackups rolled files and drops data older than
	// MaxAge (spindle.log.maxSize, spindle.log.maxBackups,
	// spindle.log.maxAge). Path is not used: every stream gets its own, in
	// its container's log dir.
	ContainerLogs logging.RollingConfig
	// MonitorInterval is how often container memory is sampled.
	MonitorInterval time.Duration
	// PmemCheck enables killing containers above their memory allocation.
	PmemCheck bool
	// SigkillDelay is the default time between SIGTERM and SIGKILL on stop.
	SigkillDelay time.Duration
	// DeleteDelay is how long a finished container's working dir is kept.
	DeleteDelay time.Duration
	// LogAggregation uploads a finished application's container logs to
	// RemoteAppLogDir (yarn.log-aggregation-enable).
	LogAggregation bool
	// RemoteAppLogDir is the file:// or hdfs:// URI under which
	// applications' logs are aggregated, as
	// <dir>/<user>/logs/<appId>/<host_port>/<containerId>/<file>
	// (yarn.nodemanager.remote-app-log-dir).
	RemoteAppLogDir string
	// LogRetain is how long a finished application's container logs stay
	// in the log dirs, after their upload when LogAggregation is on
	// (yarn.nodemanager.log.retain-seconds).
	LogRetain time.Duration
	// LogRollInterval is how often the rolled log files (stdout.1, …) of
	// running applications are uploaded; 0 uploads only when the
	// application finishes
	// (yarn.nodemanager.log-aggregation.roll-monitoring-interval-seconds).
	LogRollInterval time.Duration
	// Membership configures the NM's gossip member; Name is set to the node id
	// and a start nonce.
	Membership membership.Config
	// Seeds are gossip members to join besides the RM (spindle.memberlist.seeds).
	Seeds []string
	// SpindleBinary replaces {{SPINDLE_BINARY}} in container commands;
	// empty = this process's own executable.
	SpindleBinary string
	// ContainerUsers says which OS user containers run as.
	ContainerUsers ContainerUsers
	// TLS is the NM's certificate and the cluster CA; nil only with
	// InsecurePlaintext.
	TLS *pki.Material
	// InsecurePlaintext runs without TLS (spindle.tls.insecure-plaintext).
	InsecurePlaintext bool
	// Logger receives the NM's log; nil = no logging.
	Logger *zap.Logger
}

// DefaultConfig returns an NM with OS-chosen ports on 127.0.0.1 and the
// machine's resources. Log aggregation is off because it needs a
// RemoteAppLogDir; ConfigFrom turns it on as yarn.log-aggregation-enable
// says.
func DefaultConfig() Config {
	m := membership.DefaultConfig()
	m.BindAddress = "127.0.0.1:0"
	return Config{
		Address:         "127.0.0.1:0",
		WebAddress:      "127.0.0.1:0",
		MemoryMB:        -1,
		VCores:          -1,
		MonitorInterval: time.Second,
		PmemCheck:       true,
		SigkillDelay:    250 * time.Millisecond,
		// As yarn.nodemanager.localizer.cache.target-size-mb's default.
		LocalizerCacheMB: 10 << 10,
		ContainerLogs:    logging.RollingConfig{MaxSize: 128 << 20, MaxBackups: 10, MaxAge: 168 * time.Hour},
		LogRetain:        3 * time.Hour,
		LogRollInterval:  time.Hour,
		Membership:       m,
		ContainerUsers:   ContainerUsers{LocalUser: "nobody", LimitUsers: true, MinUserID: 1000},
		Failover:         failover.DefaultPolicy(),
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.Address == "" || c.WebAddress == "" {
		return errors.New("nodemanager: yarn.nodemanager.address and yarn.nodemanager.webapp.address must be set")
	}
	if c.ResourceTrackerAddress == "" {
		return errors.New("nodemanager: no ResourceManager: set yarn.resourcemanager.resource-tracker.address")
	}
	if len(c.LocalDirs) == 0 || len(c.LogDirs) == 0 {
		return errors.New("nodemanager: yarn.nodemanager.local-dirs and yarn.nodemanager.log-dirs must each name at least one directory")
	}
	if c.MemoryMB == 0 || c.MemoryMB < -1 {
		return fmt.Errorf("nodemanager: yarn.nodemanager.resource.memory-mb = %d: want a positive size or -1 for the machine's memory", c.MemoryMB)
	}
	if c.VCores == 0 || c.VCores < -1 {
		return fmt.Errorf("nodemanager: yarn.nodemanager.resource.cpu-vcores = %d: want a positive number or -1 for the number of CPUs", c.VCores)
	}
	if c.MonitorInterval <= 0 {
		return fmt.Errorf("nodemanager: yarn.nodemanager.container-monitor.interval-ms = %v: want a positive duration", c.MonitorInterval)
	}
	if c.LocalizerCacheMB < 0 {
		return fmt.Errorf("nodemanager: yarn.nodemanager.localizer.cache.target-size-mb = %d: want 0 (no cache) or more", c.LocalizerCacheMB)
	}
	if c.SigkillDelay < 0 || c.DeleteDelay < 0 {
		return errors.New("nodemanager: yarn.nodemanager.sleep-delay-before-sigkill.ms and yarn.nodemanager.delete.debug-delay-sec must not be negative")
	}
	if err := c.logAggregationConfig().validate(); err != nil {
		return err
	}
	if c.ContainerUsers.LocalUser == "" && !c.ContainerUsers.InsecureRunAsNodeManagerUser {
		return errors.New("nodemanager: yarn.nodemanager.linux-container-executor.nonsecure-mode.local-user is empty: name the user containers run as (nobody by default)")
	}
	if c.TLS == nil && !c.InsecurePlaintext {
		return fmt.Errorf("nodemanager: %w", pki.ErrNoTLS)
	}
	logs := c.ContainerLogs
	logs.Path = containerStdout
	if err := logs.Validate(); err != nil {
		return fmt.Errorf("nodemanager: container logs (spindle.log.maxSize, spindle.log.maxBackups, spindle.log.maxAge): %w", err)
	}
	return nil
}

// ConfigFrom reads a Config from loaded configuration.
func ConfigFrom(c *conf.Config) (Config, error) {
	cfg := DefaultConfig()
	cfg.Address = c.Get("yarn.nodemanager.address")
	cfg.WebAddress = c.Get("yarn.nodemanager.webapp.address")
	cfg.BindHost = c.Get("yarn.nodemanager.bind-host")
	trackers, err := failover.Targets(c, failover.ServiceTracker)
	if err != nil {
		return cfg, err
	}
	cfg.ResourceTrackerAddress = failover.Encode(trackers)
	if cfg.Failover, err = failover.PolicyFrom(c); err != nil {
		return cfg, err
	}
	cfg.LocalDirs = c.Strings("yarn.nodemanager.local-dirs")
	cfg.LogDirs = c.Strings("yarn.nodemanager.log-dirs")
	cfg.Seeds = c.Strings("spindle.memberlist.seeds")
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	cfg.MemoryMB, err = c.SizeMB("yarn.nodemanager.resource.memory-mb")
	keep(err)
	vc, err := c.Int("yarn.nodemanager.resource.cpu-vcores")
	keep(err)
	cfg.VCores = int32(vc)
	cfg.MonitorInterval, err = c.Duration("yarn.nodemanager.container-monitor.interval-ms")
	keep(err)
	cfg.PmemCheck, err = c.Bool("yarn.nodemanager.pmem-check-enabled")
	keep(err)
	cfg.SigkillDelay, err = c.Duration("yarn.nodemanager.sleep-delay-before-sigkill.ms")
	keep(err)
	cfg.DeleteDelay, err = c.Duration("yarn.nodemanager.delete.debug-delay-sec")
	keep(err)
	cfg.LocalizerCacheMB, err = c.SizeMB("yarn.nodemanager.localizer.cache.target-size-mb")
	keep(err)
	cfg.LogAggregation, err = c.Bool("yarn.log-aggregation-enable")
	keep(err)
	cfg.RemoteAppLogDir = c.Get("yarn.nodemanager.remote-app-log-dir")
	cfg.LogRetain, err = c.Duration("yarn.nodemanager.log.retain-seconds")
	keep(err)
	cfg.LogRollInterval, err = c.Duration("yarn.nodemanager.log-aggregation.roll-monitoring-interval-seconds")
	keep(err)
	cfg.ContainerLogs.MaxSize, err = c.SizeBytes("spindle.log.maxSize")
	keep(err)
	cfg.ContainerLogs.MaxAge, err = c.Duration("spindle.log.maxAge")
	keep(err)
	backups, err := c.Int("spindle.log.maxBackups")
	keep(err)
	cfg.ContainerLogs.MaxBackups = int(backups)
	cfg.Membership, err = membership.ConfigFrom(c)
	keep(err)
	cfg.ContainerUsers.LocalUser = c.Get("yarn.nodemanager.linux-container-executor.nonsecure-mode.local-user")
	cfg.ContainerUsers.LimitUsers, err = c.Bool("yarn.nodemanager.linux-container-executor.nonsecure-mode.limit-users")
	keep(err)
	minUID, err := c.Int("spindle.nodemanager.container-executor.min-user-id")
	keep(err)
	cfg.ContainerUsers.MinUserID = int(minUID)
	cfg.ContainerUsers.InsecureRunAsNodeManagerUser, err = c.Bool("spindle.nodemanager.insecure-containers-run-as-nodemanager-user")
	keep(err)
	cfg.TLS, err = pki.FromConf(c, true, nil)
	keep(err)
	cfg.InsecurePlaintext = err == nil && cfg.TLS == nil
	if len(errs) > 0 {
		return cfg, errors.Join(errs...)
	}
	return cfg, cfg.Validate()
}
