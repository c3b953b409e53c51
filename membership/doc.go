// Package membership runs the gossip cluster (hashicorp/memberlist) that the
// ResourceManager and NodeManagers form beside their heartbeats: a node that
// memberlist declares dead is reported at once, long before heartbeat expiry.
package membership
