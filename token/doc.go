// Package token signs and verifies the tokens that carry Spindle's security
// decisions: container tokens (the RM's permission for an NM to launch one
// container) and application attempt tokens (an AM's right to call the RM).
// Both are HMAC-SHA256 under the cluster secret, as YARN's secret-manager
// tokens are.
package token
