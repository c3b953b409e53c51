package resourcemanager

import (
	"errors"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/acl"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/membership"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/resourcemanager/ha"
	"github.com/spindlehq/spindle/resourcemanager/scheduler"
	"github.com/spindlehq/spindle/resourcemanager/webapp"
	"go.uber.org/zap"
)

// Config configures a ResourceManager.
type Config struct {
	// ClientAddress serves ApplicationClient and ApplicationMaster (yarn.resourcemanager.address).
	ClientAddress string
	// TrackerAddress serves ResourceTracker for NMs (yarn.resourcemanager.resource-tracker.address).
	TrackerAddress string
	// WebAddress serves the REST API and /metrics (yarn.resourcemanager.webapp.address).
	WebAddress string
	// BindHost, when set, is the host the services listen on, with the
	// ports of their addresses (yarn.resourcemanager.bind-host).
	BindHost string
	// ContainerKeyRolling is how long a container token master key signs
	// (yarn.resourcemanager.container-tokens.master-key-rolling-interval-secs).
	ContainerKeyRolling time.Duration
	// AttemptKeyRolling is how long an attempt token master key signs
	// (yarn.resourcemanager.am-rm-tokens.master-key-rolling-interval-secs).
	AttemptKeyRolling time.Duration
	// ClientSecretFile, when set, holds the secret that submit and kill
	// calls must carry (spindle.client.secret-file).
	ClientSecretFile string
	// RecoveryEnabled keeps applications in a state store and recovers them
	// on restart (yarn.resourcemanager.recovery.enabled).
	RecoveryEnabled bool
	// StateStoreURI is where (yarn.resourcemanager.fs.state-store.uri).
	StateStoreURI string
	// HeartbeatInterval is what NMs are told to heartbeat at.
	HeartbeatInterval time.Duration
	// MaxHeartbeatsPerSecond is the most node heartbeats a second the RM
	// asks for: a larger cluster is told to heartbeat less often than
	// HeartbeatInterval, at most NodeExpiry/3 apart.
	MaxHeartbeatsPerSecond int
	// NodeExpiry is how long a node may go without a heartbeat before it is LOST.
	NodeExpiry time.Duration
	// AllocationExpiry is how long an allocated container may wait to be
	// started; it is also the validity of container tokens.
	AllocationExpiry time.Duration
	// MaxAppAttempts caps every application's attempts (yarn.resourcemanager.am.max-attempts).
	MaxAppAttempts int
	// Scheduler configures queues, limits and locality.
	Scheduler scheduler.Config
	// Membership configures the RM's gossip member; its Name is set by the RM.
	Membership membership.Config
	// TLS is the RM's certificate and the cluster CA; nil only with
	// InsecurePlaintext.
	TLS *pki.Material
	// AppCA issues ApplicationMaster certificates
	// (spindle.tls.application-ca.*); required with TLS.
	AppCA *pki.Authority
	// InsecurePlaintext runs without TLS (spindle.tls.insecure-plaintext).
	InsecurePlaintext bool
	// ACLs are who may submit, view and kill what (yarn.acl.enable,
	// yarn.admin.acl, the queues' ACLs); nil = ACLs off.
	ACLs *acl.Policy
	// Logger receives the RM's log; nil = no logging.
	Logger *zap.Logger
	// HistoryDir is where applications' event logs are, to serve their
	// Streaming tab once they end (spark.history.fs.logDirectory); ""
	// serves no history.
	HistoryDir string
	// HA, when set, makes this RM one of a group replicating its state
	// with Raft (yarn.resourcemanager.ha.enabled); its addresses are then
	// its id's. The file state store is not used.
	HA *ha.Config
	// ReloadScheduler, when set, reads the scheduler's configuration again
	// for rmadmin -refreshQueues.
	ReloadScheduler func() (scheduler.Config, error)
	// WebAuthorizer checks web requests; nil = anyone may view, and a
	// modifying request needs the client secret when there is one.
	WebAuthorizer webapp.Authorizer
}

// DefaultConfig returns the RM's defaults, with OS-chosen ports on 127.0.0.1.
func DefaultConfig() Config {
	m := membership.DefaultConfig()
	m.BindAddress = "127.0.0.1:0"
	s := scheduler.DefaultConfig()
	// Spindle sizes containers exactly (memory + overhead); no rounding up
	// to YARN's 1 GiB minimum unless yarn.scheduler.minimum-allocation-mb says so.
	s.MinimumAllocation = scheduler.Resource{MemoryMB: 1, VCores: 1}
	s.MaxAssignmentsPerNode = 1
	return Config{
		ClientAddress:     "127.0.0.1:0",
		TrackerAddress:    "127.0.0.1:0",
		WebAddress:        "127.0.0.1:0",
		HeartbeatInterval: time.Second,
		// At 1 s, clusters of up to 2,000 nodes heartbeat every second.
		MaxHeartbeatsPerSecond: 2000,
		NodeExpiry:             10 * time.Second,
		AllocationExpiry:       10 * time.Minute,
		// YARN's defaults: a day.
		ContainerKeyRolling: 24 * time.Hour,
		AttemptKeyRolling:   24 * time.Hour,
		MaxAppAttempts:      2,
		Scheduler:           s,
		Membership:          m,
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.ClientAddress == "" || c.TrackerAddress == "" || c.WebAddress == "" {
		return errors.New("resourcemanager: client, resource-tracker and webapp addresses must all be set")
	}
	if c.ContainerKeyRolling < max(c.AllocationExpiry, c.activationDelay()) || c.AttemptKeyRolling <= 0 {
		return fmt.Errorf("resourcemanager: yarn.resourcemanager.container-tokens.master-key-rolling-interval-secs = %v must be at least yarn.resourcemanager.rm.container-allocation.expiry-interval-ms (%v) and 1.5 × yarn.nm.liveness-monitor.expiry-interval-ms (%v), and the am-rm-tokens one positive",
			c.ContainerKeyRolling, c.AllocationExpiry, c.activationDelay())
	}
	if c.HeartbeatInterval <= 0 || c.NodeExpiry <= c.HeartbeatInterval {
		return fmt.Errorf("resourcemanager: node expiry %v must be longer than the heartbeat interval %v", c.NodeExpiry, c.HeartbeatInterval)
	}
	if c.MaxHeartbeatsPerSecond <= 0 {
		return fmt.Errorf("resourcemanager: spindle.resourcemanager.nodemanagers.max-heartbeats-per-second = %d, want at least 1", c.MaxHeartbeatsPerSecond)
	}
	if c.AllocationExpiry <= 0 {
		return fmt.Errorf("resourcemanager: container allocation expiry %v must be positive", c.AllocationExpiry)
	}
	if c.MaxAppAttempts < 1 {
		return fmt.Errorf("resourcemanager: yarn.resourcemanager.am.max-attempts = %d, want at least 1", c.MaxAppAttempts)
	}
	if err := c.validateSecurity(); err != nil {
		return err
	}
	return c.Scheduler.Validate()
}

// ConfigFrom reads a Config from loaded configuration.
func ConfigFrom(c *conf.Config) (Config, error) {
	cfg := DefaultConfig()
	var err error
	cfg.ClientAddress = c.Get("yarn.resourcemanager.address")
	cfg.TrackerAddress = c.Get("yarn.resourcemanager.resource-tracker.address")
	cfg.WebAddress = c.Get("yarn.resourcemanager.webapp.address")
	cfg.BindHost = c.Get("yarn.resourcemanager.bind-host")
	cfg.ClientSecretFile = c.Get("spindle.client.secret-file")
	cfg.StateStoreURI = c.Get("yarn.resourcemanager.fs.state-store.uri")
	cfg.HistoryDir = c.Get("spark.history.fs.logDirectory")
	var rerr error
	if cfg.RecoveryEnabled, rerr = c.Bool("yarn.resourcemanager.recovery.enabled"); rerr != nil {
		return cfg, rerr
	}
	r := confReader{c: c}
	cfg.HeartbeatInterval = r.duration("yarn.resourcemanager.nodemanagers.heartbeat-interval-ms")
	cfg.NodeExpiry = r.duration("yarn.nm.liveness-monitor.expiry-interval-ms")
	cfg.MaxHeartbeatsPerSecond = int(r.int("spindle.resourcemanager.nodemanagers.max-heartbeats-per-second"))
	cfg.AllocationExpiry = r.duration("yarn.resourcemanager.rm.container-allocation.expiry-interval-ms")
	cfg.ContainerKeyRolling = r.duration("yarn.resourcemanager.container-tokens.master-key-rolling-interval-secs")
	cfg.AttemptKeyRolling = r.duration("yarn.resourcemanager.am-rm-tokens.master-key-rolling-interval-secs")
	cfg.MaxAppAttempts = int(r.int("yarn.resourcemanager.am.max-attempts"))
	cfg.Scheduler, err = schedulerConfigFrom(c)
	if err != nil {
		return cfg, err
	}
	cfg.Membership, err = membership.ConfigFrom(c)
	if err != nil {
		return cfg, err
	}
	if err := cfg.securityFrom(c); err != nil {
		return cfg, err
	}
	if r.err != nil {
		return cfg, r.err
	}
	if on, err := ha.Enabled(c); err != nil {
		return cfg, err
	} else if on {
		hc, err := ha.ConfigFrom(c, ha.IsLocalHost)
		if err != nil {
			return cfg, err
		}
		self := hc.Self()
		cfg.ClientAddress, cfg.TrackerAddress, cfg.WebAddress = self.Client, self.Tracker, self.Web
		cfg.HA = &hc
	}
	return cfg, cfg.Validate()
}

func schedulerConfigFrom(c *conf.Config) (scheduler.Config, error) {
	r := confReader{c: c}
	s := scheduler.DefaultConfig()
	s.NodeLocalityDelay = int(r.int("yarn.scheduler.capacity.node-locality-delay"))
	s.MaxAssignmentsPerNode = int(r.int("yarn.scheduler.capacity.per-node-heartbeat.maximum-container-assignments"))
	s.MinimumAllocation = scheduler.Resource{MemoryMB: r.sizeMB("yarn.scheduler.minimum-allocation-mb"), VCores: int32(r.int("yarn.scheduler.minimum-allocation-vcores"))}
	s.MaximumAllocation = scheduler.Resource{MemoryMB: r.sizeMB("yarn.scheduler.maximum-allocation-mb"), VCores: int32(r.int("yarn.scheduler.maximum-allocation-vcores"))}
	s.Queues = nil
	for _, q := range c.Strings("yarn.scheduler.capacity.root.queues") {
		prefix := "yarn.scheduler.capacity.root." + q
		qc := scheduler.QueueConfig{Name: q, Capacity: r.float(prefix + ".capacity")}
		if c.Get(prefix+".maximum-capacity") != "" {
			qc.MaxCapacity = r.float(prefix + ".maximum-capacity")
		}
		s.Queues = append(s.Queues, qc)
	}
	return s, r.err
}

// confReader reads typed keys and keeps the first error, so that a block of
// reads needs one check.
type confReader struct {
	c   *conf.Config
	err error
}

func (r *confReader) keep(err error) {
	if r.err == nil && err != nil {
		r.err = err
	}
}

func (r *confReader) duration(key string) time.Duration {
	d, err := r.c.Duration(key)
	r.keep(err)
	return d
}

func (r *confReader) int(key string) int64 {
	v, err := r.c.Int(key)
	r.keep(err)
	return v
}

func (r *confReader) sizeMB(key string) int64 {
	v, err := r.c.SizeMB(key)
	r.keep(err)
	return v
}

func (r *confReader) float(key string) float64 {
	var v float64
	s := r.c.Get(key)
	if s == "" {
		return 0
	}
	if _, err := fmt.Sscanf(s, "%g", &v); err != nil {
		r.keep(fmt.Errorf("resourcemanager: %s = %q: not a number: use a percentage such as 50 or 12.5", key, s))
	}
	return v
}

// SchedulerConfigFrom reads the scheduler's part of loaded configuration.
func SchedulerConfigFrom(c *conf.Config) (scheduler.Config, error) { return schedulerConfigFrom(c) }
