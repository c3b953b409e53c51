package containermonitor

import (
	"fmt"

	"github.com/spindlehq/spindle/conf"
)

// DefaultOverheadKey is the setting a diagnostic advises raising when a
// Container names none.
const DefaultOverheadKey = conf.KeyExecutorMemoryOverhead

// Container is one process tree to watch.
type Container struct {
	// ID is the container id, e.g. container_1700000000000_0001_01_000002.
	ID string

	// PID is the container's root process, the leader of its process group.
	PID int

	// LimitBytes is the container's physical memory allocation (memory plus
	// overhead). Zero or less means no limit: usage is sampled but never
	// reported as exceeded.
	LimitBytes int64

	// OverheadKey is the setting the diagnostic advises raising; empty means
	// DefaultOverheadKey.
	OverheadKey string
}

// Validate reports why c cannot be monitored, if it cannot.
func (c Container) Validate() error {
	if c.ID == "" {
		return fmt.Errorf("%w: empty container id", ErrInvalidContainer)
	}
	if c.PID <= 0 {
		return fmt.Errorf("%w: container %s has pid %d, want a positive pid", ErrInvalidContainer, c.ID, c.PID)
	}
	return nil
}

func (c Container) overheadKey() string {
	if c.OverheadKey == "" {
		return DefaultOverheadKey
	}
	return c.OverheadKey
}

// Violation describes a container found over its physical memory limit.
type Violation struct {
	// ContainerID is the violating container's id.
	ContainerID string

	// PID is the container's root process.
	PID int

	// UsageBytes is the RSS of the whole process tree in the violating
	// sample.
	UsageBytes int64

	// LimitBytes is the container's allocation.
	LimitBytes int64

	// ExitStatus is the exit status to report for the container:
	// launch.ExitKilledExceededPMem.
	ExitStatus int

	// Diagnostic is YARN's message for the kill, with a dump of the process
	// tree and advice on which setting to raise.
	Diagnostic string
}
