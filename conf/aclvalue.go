package conf

import "strings"

// An access control list (yarn.admin.acl, a queue's acl_submit_applications
// and acl_administer_queue, Spark's *.acls) is "users groups": a value
// that starts with a space names groups only, as in YARN. Values are
// trimmed everywhere else; these keep that one leading space.

// isACLKey reports whether key holds an access control list.
func isACLKey(key string) bool {
	return key == "yarn.admin.acl" || strings.HasSuffix(key, ".acl_submit_applications") ||
		strings.HasSuffix(key, ".acl_administer_queue") || strings.HasSuffix(key, ".acls")
}

// trimValue trims a raw value of key, keeping the leading space that makes
// an ACL of groups only: spaces or tabs before the list on its own line
// (a value laid out on lines of its own is just indented).
func trimValue(key, raw string) string {
	v := strings.TrimSpace(raw)
	lead := raw[:len(raw)-len(strings.TrimLeft(raw, " \t\r\n"))]
	if isACLKey(key) && v != "" && lead != "" && !strings.ContainsAny(lead, "\r\n") {
		return " " + v
	}
	return v
}
