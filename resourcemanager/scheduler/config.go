package scheduler

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// DefaultQueue is the queue that always exists. When Config.Queues does not
// configure it, it is added with whatever capacity the other queues leave.
const DefaultQueue = "default"

// capacityEpsilon absorbs floating-point error when percentages are summed
// or compared (33.3 + 33.3 + 33.4 must be accepted as 100).
const capacityEpsilon = 1e-9

// QueueConfig configures one queue.
type QueueConfig struct {
	// Name identifies the queue; applications are submitted to it by name.
	// It must be non-empty and contain no whitespace or '.'.
	Name string
	// Capacity is the percentage of the cluster guaranteed to the queue
	// (yarn.scheduler.capacity.<queue>.capacity), in [0, 100]. Queues below
	// their guarantee are served first.
	Capacity float64
	// MaxCapacity is the percentage of the cluster the queue may grow to when
	// other queues leave resources idle
	// (yarn.scheduler.capacity.<queue>.maximum-capacity), in [Capacity, 100];
	// 0 means 100.
	MaxCapacity float64
}

// Config configures a Scheduler.
type Config struct {
	// Queues lists the queues. Their capacities must sum to at most 100. The
	// "default" queue is added with the remaining capacity (and a maximum
	// capacity of 100) when it is not listed.
	Queues []QueueConfig
	// NodeLocalityDelay is the number of scheduling opportunities an ask with
	// preferred nodes and RelaxLocality may miss before it is placed on a
	// node it does not prefer
	// (yarn.scheduler.capacity.node-locality-delay). 0 places it anywhere
	// at once.
	NodeLocalityDelay int
	// MaxAssignmentsPerNode caps the containers placed on one node in one
	// NodeUpdate or one round of Schedule
	// (yarn.scheduler.capacity.per-node-heartbeat.maximum-container-assignments).
	// 1 spreads an application's containers over the nodes, so that losing
	// a node loses few of them; 0 = no cap (fill a node before the next).
	MaxAssignmentsPerNode int
	// MaximumAllocation is the largest container that may be asked for
	// (yarn.scheduler.maximum-allocation-mb and -vcores). Both components
	// must be positive.
	MaximumAllocation Resource
	// MinimumAllocation is the smallest container handed out; smaller asks
	// are raised to it (yarn.scheduler.minimum-allocation-mb and -vcores).
	// Zero components leave asks unchanged.
	MinimumAllocation Resource
	// ContainerID names the seq'th container (counting from 1) allocated to
	// an application attempt. It should return distinct ids for distinct
	// (attemptID, seq) pairs; an id already in use is never handed out
	// again while its container lives. It is called with the Scheduler's
	// lock held and must not call the Scheduler. Nil uses
	// DefaultContainerID, "<attemptID>_<seq, at least 6 digits>".
	ContainerID func(attemptID string, seq int64) string
}

// DefaultConfig returns YARN's defaults: a single "default" queue with the
// whole cluster, a node-locality delay of 40 opportunities, containers
// between <memory:1024, vCores:1> and <memory:8192, vCores:4>.
func DefaultConfig() Config {
	return Config{
		Queues:            []QueueConfig{{Name: DefaultQueue, Capacity: 100, MaxCapacity: 100}},
		NodeLocalityDelay: 40,
		MaximumAllocation: Resource{MemoryMB: 8192, VCores: 4},
		MinimumAllocation: Resource{MemoryMB: 1024, VCores: 1},
	}
}

// Validate reports the first problem that makes c unusable, wrapping
// ErrInvalidConfig.
func (c Config) Validate() error {
	seen := make(map[string]bool, len(c.Queues))
	var sum float64
	for i, q := range c.Queues {
		if q.Name == "" {
			return fmt.Errorf("%w: queue %d has an empty name", ErrInvalidConfig, i)
		}
		if strings.ContainsAny(q.Name, ". \t\r\n") {
			return fmt.Errorf("%w: queue name %q contains '.' or whitespace", ErrInvalidConfig, q.Name)
		}
		if seen[q.Name] {
			return fmt.Errorf("%w: queue %q is configured twice", ErrInvalidConfig, q.Name)
		}
		seen[q.Name] = true
		if math.IsNaN(q.Capacity) || q.Capacity < 0 || q.Capacity > 100 {
			return fmt.Errorf("%w: queue %q capacity %v is outside [0, 100]", ErrInvalidConfig, q.Name, q.Capacity)
		}
		if math.IsNaN(q.MaxCapacity) || q.MaxCapacity < 0 || q.MaxCapacity > 100 {
			return fmt.Errorf("%w: queue %q maximum capacity %v is outside [0, 100]", ErrInvalidConfig, q.Name, q.MaxCapacity)
		}
		if q.MaxCapacity != 0 && q.MaxCapacity+capacityEpsilon < q.Capacity {
			return fmt.Errorf("%w: queue %q maximum capacity %v is below its capacity %v", ErrInvalidConfig, q.Name, q.MaxCapacity, q.Capacity)
		}
		sum += q.Capacity
	}
	if sum > 100+capacityEpsilon {
		parts := make([]string, len(c.Queues))
		for i, q := range c.Queues {
			parts[i] = q.Name + "=" + strconv.FormatFloat(q.Capacity, 'g', -1, 64) + "%"
		}
		return fmt.Errorf("%w: queue capacities sum to %s%%, more than 100%% (%s)",
			ErrInvalidConfig, strconv.FormatFloat(sum, 'g', -1, 64), strings.Join(parts, ", "))
	}
	if c.NodeLocalityDelay < 0 {
		return fmt.Errorf("%w: node-locality delay %d is negative", ErrInvalidConfig, c.NodeLocalityDelay)
	}
	if !c.MaximumAllocation.IsPositive() {
		return fmt.Errorf("%w: maximum allocation %s must be positive in memory and vCores", ErrInvalidConfig, c.MaximumAllocation)
	}
	if c.MinimumAllocation.MemoryMB < 0 || c.MinimumAllocation.VCores < 0 {
		return fmt.Errorf("%w: minimum allocation %s is negative", ErrInvalidConfig, c.MinimumAllocation)
	}
	if !c.MinimumAllocation.LessOrEqual(c.MaximumAllocation) {
		return fmt.Errorf("%w: minimum allocation %s exceeds maximum allocation %s", ErrInvalidConfig, c.MinimumAllocation, c.MaximumAllocation)
	}
	return nil
}

// queueConfigs returns the configured queues with "default" added when
// missing. It assumes c is valid.
func (c Config) queueConfigs() []QueueConfig {
	qs := make([]QueueConfig, 0, len(c.Queues)+1)
	var sum float64
	hasDefault := false
	for _, q := range c.Queues {
		if q.MaxCapacity == 0 {
			q.MaxCapacity = 100
		}
		qs = append(qs, q)
		sum += q.Capacity
		hasDefault = hasDefault || q.Name == DefaultQueue
	}
	if !hasDefault {
		rest := 100 - sum
		if rest < capacityEpsilon {
			rest = 0
		}
		qs = append(qs, QueueConfig{Name: DefaultQueue, Capacity: rest, MaxCapacity: 100})
	}
	return qs
}
