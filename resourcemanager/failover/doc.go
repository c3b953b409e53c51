// Package failover reaches the active ResourceManager of an HA group, as
// YARN's ConfiguredRMFailoverProxyProvider does: it knows every RM of
// yarn.resourcemanager.ha.rm-ids, calls the one it believes active, and on
// a standby's answer or an unreachable RM moves on to the next, sleeping
// between rounds (yarn.client.failover-*). Clients, NodeManagers and
// ApplicationMasters all dial the RM through it; with one RM it is a plain
// connection.
package failover
