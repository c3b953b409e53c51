// Package chaos runs a streaming application on a whole Spindle cluster,
// on one machine or spread over test hosts, injects faults at random,
// measures how it recovers, and checks that nothing was lost or written
// twice.
//
// Run starts the cluster with devcluster: a ResourceManager and
// NodeManagers, each a `spindle` process that its supervisor starts again
// when it dies; an in-process Kafka broker; checkpoints on file:// or an
// in-process HDFS. With Config.Hosts the RM, Kafka, the HDFS and each NM
// run on a test host of their own (internal/netns). It produces retail
// transactions at a fixed rate, keeping a ledger of what Kafka
// acknowledged, and runs the retail example job (examples/retail) with
// its executors. At random times it injects a fault: a SIGKILL of an
// executor, the ApplicationMaster (the driver), a NodeManager or the
// ResourceManager; on test hosts also a partition (a NodeManager's host
// cut off from the RM, from every host, or one way), a whole-host crash,
// a slow link, or Kafka's or HDFS's host ceasing to answer, each undone
// after a while. The first faults cover each kind once, in an order the
// seed decides, then the kind is drawn at random. Each fault waits for
// the recovery from the last, unless Config.Overlap lets them overlap.
//
// At the end it stops producing, stops the application gracefully with
// its shutdown marker, and compares the sink, the dead letters and the
// job's state with the ledger. It reports, per kind of fault, how long
// batches took to complete again (from the fault and from its end), the
// dip in records processed per second and the batches delayed, and
// writes a timeline plot (timeline.svg and timeline.png), the whole
// report (report.json), the ledger (ledger.csv.gz) and the final state
// (state.json), from which Verify checks the verdict again.
package chaos
