package launch

// Exit statuses of containers that did not end by themselves, as YARN's
// ContainerExitStatus. A container that exits by itself reports its
// process's code, or 128+signal when a signal ended it.
const (
	// ExitSuccess is a container that exited 0.
	ExitSuccess = 0
	// ExitInvalid is a container whose launch failed, so it never ran.
	ExitInvalid = -1000
	// ExitAborted is a container released by its ApplicationMaster, lost
	// with its node, or allocated and never started.
	ExitAborted = -100
	// ExitDisksFailed is a container whose node's disks failed.
	ExitDisksFailed = -101
	// ExitPreempted is a container preempted by the scheduler.
	ExitPreempted = -102
	// ExitKilledExceededVMem is a container killed for exceeding its
	// virtual memory; Spindle checks physical memory only.
	ExitKilledExceededVMem = -103
	// ExitKilledExceededPMem is a container killed by its NodeManager for
	// exceeding its physical memory allocation.
	ExitKilledExceededPMem = -104
	// ExitKilledByAppMaster is a container stopped by its ApplicationMaster.
	ExitKilledByAppMaster = -105
	// ExitKilledByResourceManager is a container stopped by the
	// ResourceManager: its application ended, its attempt failed, or its
	// NodeManager shut down.
	ExitKilledByResourceManager = -106
	// ExitKilledAfterAppCompletion is a container killed after its
	// application completed.
	ExitKilledAfterAppCompletion = -107
)

// NotCountedAgainstAttempts reports whether an AM container's exit status
// says the attempt ended for a reason outside the application, which, as
// in YARN, does not count towards the attempt limit: lost with its node or
// released, disks failed, preempted, or stopped by the ResourceManager.
func NotCountedAgainstAttempts(status int32) bool {
	switch status {
	case ExitAborted, ExitDisksFailed, ExitPreempted, ExitKilledByResourceManager:
		return true
	}
	return false
}
