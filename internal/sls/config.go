package sls

import (
	"errors"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
)

// Config shapes a simulation.
type Config struct {
	// ClientAddress is the RM's ApplicationClient and ApplicationMaster
	// service (yarn.resourcemanager.address); TrackerAddress its
	// ResourceTracker (yarn.resourcemanager.resource-tracker.address).
	ClientAddress, TrackerAddress string
	// Nodes is how many NMs to simulate, each with NodeMemoryMB and
	// NodeVCores.
	Nodes        int
	NodeMemoryMB int64
	NodeVCores   int32
	// Apps is how many AMs to simulate; together they keep Fill of the
	// cluster's containers running.
	Apps int
	Fill float64
	// ContainerMemoryMB (overhead included) and ContainerVCores size
	// every container; each runs for ContainerLifetime.
	ContainerMemoryMB int64
	ContainerVCores   int32
	ContainerLifetime time.Duration
	// AMInterval is each AM's allocate interval.
	AMInterval time.Duration
	// Warmup runs before the measurement, which lasts Duration.
	Warmup, Duration time.Duration
	// RMPid, when not 0, is the RM's process, whose CPU time and memory
	// the report gives.
	RMPid int
	// ClientTLS is a user's certificate, for the AMs' applications, and
	// NodeTLS a NodeManager's, for the simulated nodes, which then take
	// node ids on its first host with distinct ports; both nil against an
	// RM without TLS (spindle.tls.insecure-plaintext).
	ClientTLS, NodeTLS *pki.Material
	// Logger receives progress.
	Logger *zap.Logger
}

// DefaultConfig is 1,000 nodes of 64 GiB and 16 vcores, 100 AMs keeping
// 90% of the cluster's 4 GiB containers running, each for 1 s, asking
// every 200 ms; a 5 s warm-up and a 10 s measurement.
func DefaultConfig() Config {
	return Config{
		Nodes: 1000, NodeMemoryMB: 64 << 10, NodeVCores: 16,
		Apps: 100, Fill: 0.9,
		ContainerMemoryMB: 4 << 10, ContainerVCores: 1, ContainerLifetime: time.Second,
		AMInterval: 200 * time.Millisecond,
		Warmup:     5 * time.Second, Duration: 10 * time.Second,
		Logger: zap.NewNop(),
	}
}

// ErrInvalidConfig is wrapped by Validate's errors.
var ErrInvalidConfig = errors.New("sls: invalid configuration")

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.ClientAddress == "" || c.TrackerAddress == "":
		return fmt.Errorf("%w: the RM's client and resource-tracker addresses are required", ErrInvalidConfig)
	case c.Nodes <= 0 || c.Apps <= 0:
		return fmt.Errorf("%w: nodes %d and apps %d must be positive", ErrInvalidConfig, c.Nodes, c.Apps)
	case c.NodeMemoryMB < c.ContainerMemoryMB || c.NodeVCores < c.ContainerVCores || c.ContainerMemoryMB <= 0 || c.ContainerVCores <= 0:
		return fmt.Errorf("%w: a node (%d MiB, %d vcores) must hold at least one container (%d MiB, %d vcores)", ErrInvalidConfig, c.NodeMemoryMB, c.NodeVCores, c.ContainerMemoryMB, c.ContainerVCores)
	case c.Fill <= 0 || c.Fill > 1:
		return fmt.Errorf("%w: fill %v must be in (0, 1]", ErrInvalidConfig, c.Fill)
	case (c.ClientTLS == nil) != (c.NodeTLS == nil):
		return fmt.Errorf("%w: give both a user's and a NodeManager's certificate, or neither", ErrInvalidConfig)
	case c.ContainerLifetime <= 0 || c.AMInterval <= 0 || c.Duration <= 0 || c.Warmup < 0:
		return fmt.Errorf("%w: lifetime, AM interval and duration must be positive, warm-up not negative", ErrInvalidConfig)
	}
	return nil
}

// slotsPerNode is how many containers fit on one node.
func (c Config) slotsPerNode() int {
	return int(min(c.NodeMemoryMB/c.ContainerMemoryMB, int64(c.NodeVCores/c.ContainerVCores)))
}
