// Package sls is Spindle's scheduler load simulator, after YARN's SLS: it
// drives one real ResourceManager, over its real ResourceTracker,
// ApplicationClient and ApplicationMaster gRPC services, with many
// simulated NodeManagers and unmanaged ApplicationMasters running as
// goroutines in one process, and reports allocations per second, the
// latency of node heartbeats and AM allocate calls, and the RM process's
// CPU time and memory.
//
// A simulated NM registers with resources and heartbeats at the interval
// the RM gives it with the status of every container it runs, as a real NM
// does; it stops the containers the RM's answers name and reports them
// completed on its next heartbeat. A simulated AM keeps a number of
// containers running, asking for the shortfall on every allocate call;
// each container it gets runs on its simulated node for a fixed lifetime,
// after which the AM releases it, as an AM releases executors it no longer
// needs, so that containers turn over at the rate the configuration sets
// without waiting for node heartbeats.
package sls
