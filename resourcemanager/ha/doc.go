// Package ha replicates the ResourceManager's state over a group of RMs
// with Raft (hashicorp/raft, its log and stable store in BoltDB). The
// leader is the active RM and the only writer; the others are standby,
// apply the same log, and the one elected next takes over from the
// replicated state.
//
// The state is a set of tables of opaque records (FSM): applications,
// nodes, the token master keys, the epochs of the actives. New state is a new
// table: no change to the log format, the snapshot format or the commands.
package ha
