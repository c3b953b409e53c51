package devcluster

import "errors"

// Sentinel errors, wrapped with what failed.
var (
	// ErrPortInUse: a fixed port the cluster needs is taken.
	ErrPortInUse = errors.New("devcluster: port in use")
	// ErrDirInUse: another dev cluster runs in the same directory.
	ErrDirInUse = errors.New("devcluster: directory in use by another dev cluster")
	// ErrNotDevDir: the directory holds files a dev cluster did not write,
	// which it will not delete.
	ErrNotDevDir = errors.New("devcluster: directory was not created by a dev cluster")
	// ErrNoSource: the demo's job cannot be built: no Spindle source tree.
	ErrNoSource = errors.New("devcluster: Spindle source not found")
	// ErrDaemonExited: a daemon exited while it was starting or running.
	ErrDaemonExited = errors.New("devcluster: daemon exited")
	// ErrSinkMismatch: the demo's sink does not hold what was produced.
	ErrSinkMismatch = errors.New("devcluster: sink does not match what was produced")
)
