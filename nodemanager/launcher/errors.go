package launcher

import "errors"

var (
	// ErrInvalidSpec is returned when a Spec lacks a required field or
	// holds a value the launcher cannot use.
	ErrInvalidSpec = errors.New("launcher: invalid spec")

	// ErrProcessFinished is returned when a signal is sent to a container
	// whose main process has already exited; its process group may no
	// longer exist and its id may be reused.
	ErrProcessFinished = errors.New("launcher: process already finished")

	// ErrRunning is the Err of the Result read before the process has
	// finished.
	ErrRunning = errors.New("launcher: process still running")

	// ErrInvalidConfig is returned by DeleterConfig.Validate for unusable
	// settings.
	ErrInvalidConfig = errors.New("launcher: invalid config")
)
