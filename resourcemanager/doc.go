// Package resourcemanager is Spindle's ResourceManager daemon: it tracks
// NodeManagers (registration, heartbeats, memberlist, liveness expiry),
// schedules containers through the scheduler package, signs container and
// attempt tokens, keeps applications and their attempts, and serves the
// ResourceTracker, ApplicationClient and ApplicationMaster gRPC services and
// YARN's REST API.
package resourcemanager
