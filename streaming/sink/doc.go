// Package sink writes a job's outputs where they must land exactly once:
// each batch and partition goes to its own file, written to a temporary
// file and renamed into place on a checkpoint store, so a replayed batch
// writes the same outputs to the same place. Rejected records go to a
// dead-letter file beside them, with the reason each was rejected.
package sink
