package acl

import (
	"slices"
	"strings"
)

// Wildcard is the ACL that allows everyone.
const Wildcard = "*"

// ACL is a YARN access control list, written "user1,user2 group1,group2":
// users, a space, groups; "*" allows everyone; "" or " " allows nobody.
type ACL struct {
	all    bool
	users  []string
	groups []string
}

// Parse reads an ACL in YARN's notation.
func Parse(s string) ACL {
	if strings.TrimSpace(s) == Wildcard {
		return ACL{all: true}
	}
	usersPart, groupsPart, _ := strings.Cut(strings.TrimLeft(s, "\t"), " ")
	return ACL{users: splitNames(usersPart), groups: splitNames(groupsPart)}
}

func splitNames(s string) []string {
	var out []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// Of builds an ACL of users and groups.
func Of(users, groups []string) ACL {
	return ACL{users: splitNames(strings.Join(users, ",")), groups: splitNames(strings.Join(groups, ","))}
}

// All is the ACL that allows everyone.
func All() ACL { return ACL{all: true} }

// Allows reports whether u is on the list.
func (a ACL) Allows(u User) bool {
	if a.all {
		return true
	}
	if slices.Contains(a.users, u.Name) {
		return true
	}
	for _, g := range u.Groups {
		if slices.Contains(a.groups, g) {
			return true
		}
	}
	return false
}

// Union is a list that allows whom either allows.
func (a ACL) Union(b ACL) ACL {
	if a.all || b.all {
		return ACL{all: true}
	}
	return Of(append(slices.Clone(a.users), b.users...), append(slices.Clone(a.groups), b.groups...))
}

// IsAll reports whether the list allows everyone.
func (a ACL) IsAll() bool { return a.all }

// String writes the list in YARN's notation; " " for nobody.
func (a ACL) String() string {
	if a.all {
		return Wildcard
	}
	return strings.Join(a.users, ",") + " " + strings.Join(a.groups, ",")
}
