// Package launcher starts NodeManager containers as operating-system
// processes and removes their directories once they are no longer needed.
//
// Each container runs in its own process group, as with YARN's
// DefaultContainerExecutor, so that signals reach every process the
// container started, not only the one the NodeManager forked. When the
// container's main process exits, whatever it left behind in its group is
// killed, because a container's resources are accounted to it alone.
// Processes that move themselves into another process group or session
// escape this control, as they do under YARN.
//
// The Deleter plays the part of YARN's DeletionService: it removes
// container working directories after a configurable delay, which keeps
// them around for debugging when the delay is non-zero.
package launcher
