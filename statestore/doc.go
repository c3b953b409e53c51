// Package statestore keeps the keyed state of keyed stages on executors:
// each reduce partition's state, versioned by batch so that a batch that
// runs again starts from the state of the batch before it; the binary
// checkpoint format that a partition's state is written to the storage
// layer in every checkpoint interval, and read back from on another
// executor; and the per-key records of windows and of mapWithState.
//
// A partition holds one version, the batch it was last updated by, and
// the undo log back to the version before it: exactly-once rests on the
// driver's commits, and until a batch commits its reduce task may run
// again from the version before.
package statestore
