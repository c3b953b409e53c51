package conf

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

//go:embed spindle-default.xml
var defaultXML []byte

// defaultFile names the embedded defaults in errors about the file itself.
const defaultFile = "spindle-default.xml"

// Key types, as written in the <type> element of spindle-default.xml.
const (
	// TypeString is any text, or one of Key.Values when those are given.
	TypeString = "string"
	// TypeInt is a whole number.
	TypeInt = "int"
	// TypeBool is true or false.
	TypeBool = "bool"
	// TypeSize is a size for ParseSize; Key.Unit is the unit of a bare
	// number.
	TypeSize = "size"
	// TypeDuration is a duration for ParseDuration; Key.Unit is the unit of
	// a bare number.
	TypeDuration = "duration"
	// TypeAddress is host:port, with port 0 meaning a port the operating
	// system chooses.
	TypeAddress = "address"
	// TypeList is a comma-separated list.
	TypeList = "list"
	// TypePercent is a number from 0 to 100.
	TypePercent = "percent"
	// TypeFloat is a finite decimal number, such as 0.1 or 1.5.
	TypeFloat = "float"
)

// Scopes of a key: where it is set and who reads it.
const (
	// ScopeDaemon keys are set in the configuration directory or with a
	// daemon's --conf and read by the daemons and the commands.
	ScopeDaemon = "daemon"
	// ScopeApplication keys are set per application, with `spindle submit
	// --conf` or in spindle-defaults.conf, checked at submit and carried to
	// the application's ApplicationMaster and executors in its launch spec.
	ScopeApplication = "application"
)

// Key describes one key, or one family of keys, of spindle-default.xml.
type Key struct {
	// Name is the key. A "*" segment matches one or more segments of a
	// name, making the Key a family (see IsFamily).
	Name string
	// Default is the built-in value, before ${...} expansion; empty for a
	// family.
	Default string
	// Type is how values are validated: one of the Type constants.
	Type string
	// Unit is the unit of a bare number for TypeSize (b, k, m, g, t, p) and
	// TypeDuration (us, ms, s, m, h, d) keys; empty otherwise.
	Unit string
	// Description says what the key does, in one or two sentences.
	Description string
	// Group is the section of the documentation the key is listed in, such
	// as "ResourceManager" or "Logging".
	Group string
	// Values, when not empty, are the only values a TypeString key accepts.
	Values []string
	// FoldCase makes Values match in any case, as Kafka's and log4j's
	// enumerations do.
	FoldCase bool
	// Scope is ScopeDaemon (every key of spindle-default.xml) or
	// ScopeApplication (the keys of AppKeys).
	Scope string
	// Min, when not empty, is the smallest value accepted, written in the
	// key's type and unit ("1", "1m", "1ms").
	Min string
	// DefaultDoc describes a default that is a rule rather than a value,
	// such as "max(384m, 10% of spark.executor.memory)"; Default is then
	// empty.
	DefaultDoc string
	// Alternatives are older names of the key, read when the key itself is
	// not set, as Spark's withAlternative.
	Alternatives []string
	// Check, when set, checks a value further once it fits the type; its
	// error shows the value and what is accepted.
	Check func(v string) error
	// Notice, when set, returns a warning for a value that Spindle accepts
	// but acts on differently from Spark, saying what Spindle does
	// instead; "" for none.
	Notice func(v string) string
	// Ignored, when not empty, says what kind of option Spindle accepts
	// and ignores the key as, such as "a JVM option".
	Ignored string
}

// IsFamily reports whether k declares a family of keys, such as
// yarn.scheduler.capacity.root.*, rather than one key.
func (k Key) IsFamily() bool {
	return slices.Contains(strings.Split(k.Name, "."), "*")
}

// Matches reports whether name is k's name or, for a family, one of its
// members.
func (k Key) Matches(name string) bool {
	return matchSegments(strings.Split(k.Name, "."), strings.Split(name, "."))
}

// matchSegments matches dot-separated segments, "*" standing for one or
// more segments.
func matchSegments(pattern, name []string) bool {
	if len(pattern) == 0 {
		return len(name) == 0
	}
	if pattern[0] == "*" {
		for i := 1; i <= len(name); i++ {
			if matchSegments(pattern[1:], name[i:]) {
				return true
			}
		}
		return false
	}
	return len(name) > 0 && pattern[0] == name[0] && matchSegments(pattern[1:], name[1:])
}

// literalSegments counts the segments of a family name that are not "*";
// the family with more of them is the more specific.
func literalSegments(name string) int {
	n := 0
	for _, s := range strings.Split(name, ".") {
		if s != "*" {
			n++
		}
	}
	return n
}

// durationUnit is the bare-number unit of a TypeDuration key; keys without
// one use milliseconds, as Spark's getTimeAsMs does.
func (k Key) durationUnit() time.Duration {
	if d, ok := durationUnits[k.Unit]; ok {
		return d
	}
	return time.Millisecond
}

// Known returns the keys and families of the built-in defaults, in the
// order of spindle-default.xml. The slice is a copy.
func Known() []Key {
	r, err := defaultRegistry()
	if err != nil {
		// The embedded file is checked by the package's tests, so this is a
		// build defect rather than bad input.
		panic(err)
	}
	return r.copyKeys()
}

// LookupKey returns the daemon key, or most specific family, of
// spindle-default.xml that name belongs to.
func LookupKey(name string) (Key, bool) {
	r, err := defaultRegistry()
	if err != nil {
		panic(err)
	}
	k, ok := r.lookup(name)
	if !ok {
		return Key{}, false
	}
	return *k, true
}

// copyKeys returns the registry's keys, in order, as a copy.
func (r *registry) copyKeys() []Key {
	keys := make([]Key, len(r.keys))
	for i, k := range r.keys {
		k.Values = slices.Clone(k.Values)
		k.Alternatives = slices.Clone(k.Alternatives)
		keys[i] = k
	}
	return keys
}

// registry indexes the known keys for lookup by name.
type registry struct {
	// keys are in file order.
	keys []Key
	// exact maps a key's name to its index in keys.
	exact map[string]int
	// families are the indexes of the family keys, in file order.
	families []int
	// alternatives maps an older name to the index of its key.
	alternatives map[string]int
}

// defaultRegistry parses the embedded defaults once.
var defaultRegistry = sync.OnceValues(func() (*registry, error) {
	return newRegistry(defaultFile, defaultXML)
})

// newRegistry parses and checks a defaults file.
func newRegistry(source string, data []byte) (*registry, error) {
	props, err := parseHadoopXML(source, data)
	if err != nil {
		return nil, err
	}
	r := &registry{exact: make(map[string]int, len(props))}
	for _, p := range props {
		k := Key{
			Name:        p.name,
			Default:     p.value,
			Type:        p.typ,
			Unit:        p.unit,
			Description: p.description,
			Group:       p.group,
			Scope:       ScopeDaemon,
		}
		if p.values != "" {
			k.Values = SplitList(p.values)
		}
		if err := r.add(k); err != nil {
			return nil, fmt.Errorf("conf: %s line %d: %w", source, p.line, err)
		}
	}
	return r, nil
}

// add checks k and appends it.
func (r *registry) add(k Key) error {
	if err := checkDefinition(k); err != nil {
		return fmt.Errorf("%s: %w", k.Name, err)
	}
	for _, name := range append([]string{k.Name}, k.Alternatives...) {
		_, dup := r.exact[name]
		_, dupAlt := r.alternatives[name]
		if dup || dupAlt {
			return fmt.Errorf("%s is defined twice", name)
		}
	}
	r.exact[k.Name] = len(r.keys)
	for _, alt := range k.Alternatives {
		if r.alternatives == nil {
			r.alternatives = map[string]int{}
		}
		r.alternatives[alt] = len(r.keys)
	}
	if k.IsFamily() {
		r.families = append(r.families, len(r.keys))
	}
	r.keys = append(r.keys, k)
	return nil
}

// checkDefinition checks one key of a defaults file.
func checkDefinition(k Key) error {
	switch k.Type {
	case TypeSize:
		if _, ok := sizeUnits[k.Unit]; !ok {
			return fmt.Errorf("size unit %q is not one of b, k, m, g, t, p", k.Unit)
		}
	case TypeDuration:
		if _, ok := durationUnits[k.Unit]; !ok {
			return fmt.Errorf("duration unit %q is not one of us, ms, s, m, h, d", k.Unit)
		}
	case TypeString, TypeInt, TypeBool, TypeAddress, TypeList, TypePercent, TypeFloat:
		if k.Unit != "" {
			return fmt.Errorf("a %s key has no <unit>", k.Type)
		}
	default:
		return fmt.Errorf("type %q is not one of string, int, bool, size, duration, address, list, percent, float", k.Type)
	}
	if k.Min != "" {
		if _, err := parseTyped(&k, k.Min); err != nil {
			return fmt.Errorf("min: %w", err)
		}
	}
	if len(k.Values) > 0 && k.Type != TypeString {
		return fmt.Errorf("<values> is only for string keys")
	}
	if k.Description == "" || k.Group == "" {
		return fmt.Errorf("<description> and <group> are required")
	}
	if k.IsFamily() {
		if k.Default != "" {
			return fmt.Errorf("a family has no default")
		}
		if strings.HasPrefix(k.Name, "*") {
			return fmt.Errorf("a family name starts with a fixed segment")
		}
		return nil
	}
	if k.Default != "" && k.DefaultDoc != "" {
		return fmt.Errorf("a key has a default value or a default rule, not both")
	}
	if !strings.Contains(k.Default, "${") && (k.Default != "" || k.Scope == ScopeDaemon) {
		if err := checkValue(&k, k.Default); err != nil {
			return fmt.Errorf("default: %w", err)
		}
	}
	return nil
}

// lookup returns the key or most specific family that name belongs to;
// an older name gives its key.
func (r *registry) lookup(name string) (*Key, bool) {
	if i, ok := r.exact[name]; ok && !r.keys[i].IsFamily() {
		return &r.keys[i], true
	}
	if i, ok := r.alternatives[name]; ok {
		return &r.keys[i], true
	}
	var best *Key
	for _, i := range r.families {
		k := &r.keys[i]
		if k.Matches(name) && (best == nil || literalSegments(k.Name) > literalSegments(best.Name)) {
			best = k
		}
	}
	return best, best != nil
}
