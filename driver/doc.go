// Package driver is Spindle's streaming driver side: the Task endpoint that
// executors connect to (registration, task launches, statuses), used by the
// ApplicationMaster to follow its executors and by the micro-batch engine to
// run tasks on them.
package driver
