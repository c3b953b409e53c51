package sdk

import "errors"

var (
	// ErrChecksumMismatch: the job binary's SHA-256 is not the one expected,
	// so it was not run.
	ErrChecksumMismatch = errors.New("sdk: job binary checksum mismatch")
	// ErrInvalidConfig: a ClientConfig is unusable.
	ErrInvalidConfig = errors.New("sdk: invalid client config")
	// ErrInvalidJob: a job implements an optional interface without one it
	// depends on, such as StateUpdater without Aggregator.
	ErrInvalidJob = errors.New("sdk: invalid job")
	// ErrNotConfigured: a call other than Configure came before a
	// successful Configure.
	ErrNotConfigured = errors.New("sdk: job not configured")
	// ErrAlreadyConfigured: Configure was called again after it succeeded.
	ErrAlreadyConfigured = errors.New("sdk: job already configured")
	// ErrUnsupported: the call needs an optional interface the job does not
	// implement, such as Reduce without Aggregator.
	ErrUnsupported = errors.New("sdk: job does not support the call")
	// ErrProtocol: the plugin answered something that breaks the
	// protocol, such as a rejected record that is not in the partition.
	ErrProtocol = errors.New("sdk: plugin protocol violation")
	// ErrStopped: a call came after Kill to a job running in the caller's
	// process (NewInProcessClient).
	ErrStopped = errors.New("sdk: job stopped")
)
