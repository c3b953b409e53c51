// Package hdfscheckpoint keeps a streaming job's progress so that a new
// attempt, or a new build of the job, resumes exactly where the last one
// committed.
//
// # Stores
//
// The log lives on a dfs.Store (file:// or hdfs://, opened with dfs.Open):
// paths are absolute and slash-separated, every write is atomic, missing
// paths wrap ErrNotFound and rename targets that exist wrap ErrExists.
// Store, FileInfo and those errors are dfs's, under the names this
// package's API has always used.
//
// # Checkpoint format
//
// A Log keeps, like Spark Structured Streaming's offsets and commits logs,
// one file per batch, named by the batch time in Unix milliseconds:
//
//	<dir>/offsets/<batchTimeMs>          the Kafka ranges the batch reads
//	<dir>/commits/<batchTimeMs>          the batch's output is complete
//	<dir>/state/<batchTimeMs>/<name>     keyed state after the batch, per
//	                                     partition or "all"
//
// Each file is three lines: the format version ("v1"), a compact JSON body
// whose field names are fixed by the format rather than by Go types, and a
// CRC-32C of the first two lines ("crc32c 1a2b3c4d"). The checksum catches
// truncation and damage; a version newer than FormatVersion is reported as
// "written by format vN, this build reads up to v1". Recover passes over
// such entries with a WARN naming the file: it resumes from the newest
// batch whose offsets, commit and state are all readable and lists every
// later batch to run again under its own batch time, with its recorded
// ranges or, when its offsets entry is damaged, with ranges rebuilt from
// its neighbours or up to the latest offsets, so that output is exactly
// once. When that cannot be done it refuses with a *RecoveryError naming
// the files and the way out; Inspect lists every entry, and TruncateAfter
// moves the newest batches aside (spindle checkpoint -verify and
// -truncate-after). Purge keeps the newest spindle.checkpoint.retainBatches batches of each
// log.
//
// # Shutdown marker
//
// To stop a job at a batch boundary, an operator (or spindle) places the
// marker file, by default <checkpoint dir>/_shutdown (PlaceMarker). The
// driver polls MarkerPresent, finishes and commits its batch, and renames
// the marker to _shutdown.COMPLETED (CompleteMarker) before it exits. When a
// new build cannot resume from the old checkpoint, MoveCheckpointAside
// renames the directory to <dir>.<yyyyMMddHHmmss> and the job starts
// afresh.
package hdfscheckpoint
