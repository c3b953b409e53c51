// Package executor is the process `spindle executor` runs inside an executor
// container: it registers with the driver over the Task protocol, heartbeats,
// and exits cleanly when the driver says so or has been unreachable longer
// than a timeout.
package executor
