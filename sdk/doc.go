// Package sdk is the API a Spindle streaming job is written against, and
// the host side that Spindle's executors and driver use to run it.
//
// A job is a Go program whose main calls Serve with a value implementing
// Job (Parser and Emitter) and any of the optional interfaces Configurer,
// Enricher, Aggregator and StateUpdater, found by type assertion. The
// binary is a hashicorp/go-plugin plugin served over gRPC with mutual TLS.
// For each partition of each micro-batch, an executor makes one
// ProcessPartition call carrying the whole partition's records; inside the
// plugin the job's stages run in order:
//
//	Parse (each record) → Enrich (whole partition) → Emit (whole partition) → Aggregate (each event)
//
// A record that Parse or Enrich rejects comes back with its stage and
// reason, for the dead-letter output. Emit returns outputs that the
// framework writes, so that the writes are idempotent per batch and
// partition. Aggregate yields keyed partial aggregates, combined per
// partition with the job's Reduce; the driver reduces them across
// partitions (Reduce) and keeps them as state across batches
// (UpdateState).
//
// The host side is NewClient, which starts a job binary after checking its
// SHA-256 and returns a JobClient. The job's log (JobContext.Logger) is
// JSON on the plugin's stderr, which the host routes to ClientConfig.AppLog,
// apart from the framework's own log. NewInProcessClient returns a
// JobClient that runs a job's code in the caller's process instead.
//
// A partition crosses the plugin boundary column by column: each field of
// every record is laid out in one column, and the keys and values of all
// records in one buffer each, so that a partition of any size costs a
// few large copies rather than work per record.
//
// This package and api/jobpb import nothing from Spindle's daemons, so a
// job binary carries only what it needs.
package sdk
