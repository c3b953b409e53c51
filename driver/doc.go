// Package driver is Spindle's streaming driver: the Task endpoint that
// executors connect to (registration, task launches, statuses) and its
// server, the micro-batch engine that runs tasks on them, and the wiring
// of a Spindle job's streaming driver (NewStreaming: checkpoint, Kafka
// planner, rate control, lag monitor, graceful stop). The
// ApplicationMaster hosts a driver in cluster mode and `spindle submit`
// (package client) in client mode; both run the same Program.
package driver
