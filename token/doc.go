// Package token signs and verifies the tokens that carry Spindle's security
// decisions: container tokens (the RM's permission for an NM to launch one
// container) and application attempt tokens (an AM's right to call the RM).
// Both are HMAC-SHA256 under master keys, as YARN's secret-manager tokens
// are: the ResourceManager makes the keys, keeps them in memory and in its
// state store, rolls them on a schedule (Roller) and hands the container
// token keys to NodeManagers over the authenticated ResourceTracker.
package token
