// Package chaos runs a streaming application on a whole Spindle cluster on
// one machine and kills its parts at random, measuring how it recovers and
// checking that nothing was lost or written twice.
//
// Run starts a ResourceManager and NodeManagers, each a `spindle` process
// brought back after a kill as a supervisor (systemd) would; an in-process
// Kafka broker; checkpoints on file:// or an in-process HDFS; a producer of
// retail transactions at a fixed rate; and the retail example job
// (examples/retail) with its executors. At random times it SIGKILLs one of
// an executor, the ApplicationMaster (the driver), a NodeManager or the
// ResourceManager: the first kills cover each kind once, in an order the
// seed decides, then the kind is drawn at random. After each kill it waits
// until the application has recovered before drawing the next gap.
//
// At the end it stops producing, stops the application gracefully with
// its shutdown marker, and compares the sink, the dead letters and the
// job's state with every transaction produced. It reports, per kind of
// kill, how long batches took to complete again, the dip in records
// processed per second and the batches delayed, and writes a timeline plot
// (timeline.svg and timeline.png) and the whole report (report.json).
package chaos
