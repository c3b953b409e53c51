// Package testutil holds Spindle's test fixtures: polling with a deadline,
// the spindle binary built once per test process, clusters of real RM and NM
// daemons on 127.0.0.1 (as subprocesses or in-process), and an unmanaged
// ApplicationMaster that tests drive by hand.
package testutil
