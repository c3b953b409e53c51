// Package containermonitor watches the physical memory of running containers
// on a NodeManager, the way YARN's ContainersMonitor does with its
// procfs-based process tree.
//
// Each container is an OS process leading its own process group. Every
// interval the Monitor reads the process table from /proc once, sums the
// resident set size (RSS) of each container's process tree (the root process
// and all its descendants, found through their parent pids) and compares it
// with the container's allocation (memory plus overhead).
//
// YARN's rule decides when a tree is over its limit: a tree using more than
// twice its limit is over at once; otherwise only the processes that were
// already present in the previous sample count, so a short-lived child
// (a fork before an exec, say) cannot get a container killed.
//
// The Monitor does not kill anything. It reports each violating container
// once through Config.OnExceeded, with YARN's exit status
// (launch.ExitKilledExceededPMem, -104) and diagnostic text including a dump of
// the process tree, and stops tracking it; the NodeManager kills the process
// group.
package containermonitor
