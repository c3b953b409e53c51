// Package scheduler decides where the ResourceManager places containers. It
// is an in-memory scheduler modelled on YARN's CapacityScheduler, reduced to
// a single level of queues.
//
// The cluster is a set of nodes, each with a total Resource (memory and
// vcores). Applications (application attempts) belong to a queue and send
// their outstanding container asks with SetRequests; the table they send
// replaces the previous one, so a Count is always "this many more".
//
// Containers are placed when a node heartbeats (NodeUpdate) or when the
// ResourceManager wants an immediate pass over every node (Schedule). Each
// placement picks the queue furthest below its guaranteed capacity that is
// still under its maximum capacity, then the first application in that
// queue's FIFO order with an ask that fits on the node, taking asks in
// priority order (lowest number first, as in YARN). Queue usage is measured
// as the dominant share of the cluster (the larger of the memory and vcore
// fractions), as with YARN's DominantResourceCalculator, and a queue's
// maximum capacity is enforced on memory and vcores separately.
//
// Asks that name preferred nodes use delay scheduling: a relaxed ask is
// placed on another node only after it has missed Config.NodeLocalityDelay
// scheduling opportunities (a NodeUpdate or Schedule pass in which it fitted
// on a node it does not prefer); a strict ask waits for its nodes forever.
//
// The scheduler never over-commits a node and has no goroutines or I/O of
// its own. All methods of Scheduler are safe for concurrent use.
package scheduler
