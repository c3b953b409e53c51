// Package devcluster runs a whole Spindle cluster on one machine for trying
// Spindle out and for rehearsing its failures: a ResourceManager and
// NodeManagers, each its own `spindle` process as in production, an
// in-process Kafka broker, optionally an in-process HDFS, and a file://
// checkpoint root, all under one directory (./spindle-dev by default).
// `spindle dev` starts one; `spindle dev --demo` also runs the retail
// example on it (see Demo) with a retail day's traffic compressed in time;
// `spindle chaos` runs its faults on one.
//
// A supervisor watches each daemon and starts one that dies again on the
// same addresses, as systemd's Restart=always would, with a growing delay
// if it keeps dying; a kill on purpose (KillDaemon, HoldDaemon) is no
// crash. With Config.Hosts the RM, each NM, Kafka and the HDFS run each on
// a test host of its own (internal/netns: network namespaces on a bridge),
// where their networks can be cut and their hosts crashed.
//
// Every process it starts is in a process group of its own, so that a
// terminal's Ctrl-C reaches only the cluster's owner, which stops them in
// order (NodeManagers, which stop their containers, then the
// ResourceManager), and is killed by the kernel if the owner dies.
//
// The Producer writes retail transactions at a Traffic's rate with an
// idempotent Kafka producer and keeps a Ledger of what Kafka answered for
// each, optionally as a file (ReadLedger) to check a run afterwards.
package devcluster
