package chaos

import "errors"

// Sentinel errors, wrapped with what failed.
var (
	// ErrOutputMismatch: the sink, the dead letters or the state do not
	// hold exactly what was produced.
	ErrOutputMismatch = errors.New("chaos: output does not match what was produced")
	// ErrAppFailed: the application was seen FAILED or KILLED, or did not
	// finish SUCCEEDED.
	ErrAppFailed = errors.New("chaos: application failed")
	// ErrNotRecovered: the application did not recover from a kill within
	// the recovery timeout.
	ErrNotRecovered = errors.New("chaos: not recovered from a kill")
	// ErrDaemonExited: a daemon exited while starting.
	ErrDaemonExited = errors.New("chaos: daemon exited")
	// ErrLeftovers: processes of the cluster's containers outlived it.
	ErrLeftovers = errors.New("chaos: processes left running")
	// ErrNotChaosDir: the output directory holds files a chaos run did not
	// write, which it will not delete.
	ErrNotChaosDir = errors.New("chaos: output directory was not written by a chaos run")
)
