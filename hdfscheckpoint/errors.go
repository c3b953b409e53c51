package hdfscheckpoint

import "errors"

var (
	// ErrCorruptEntry is wrapped when a checkpoint entry is truncated, fails
	// its checksum, or does not hold a well-formed record.
	ErrCorruptEntry = errors.New("hdfscheckpoint: corrupt checkpoint entry")
	// ErrNewerFormat is wrapped when a checkpoint entry was written by a
	// format version newer than this build reads.
	ErrNewerFormat = errors.New("hdfscheckpoint: checkpoint entry has a newer format")
	// ErrDamagedCheckpoint is wrapped (by *RecoveryError) when Recover
	// refuses to resume because entries it needs cannot be read.
	ErrDamagedCheckpoint = errors.New("hdfscheckpoint: damaged checkpoint")
	// ErrInvalidBatch is wrapped when a batch, commit or state snapshot
	// handed to a Log cannot be recorded as given.
	ErrInvalidBatch = errors.New("hdfscheckpoint: invalid batch")
)
