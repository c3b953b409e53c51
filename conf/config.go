package conf

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Sources returned by Config.Source besides file paths.
const (
	// SourceDefault is the source of a built-in default.
	SourceDefault = "default"
	// SourceOverride is the source of a --conf KEY=VALUE override.
	SourceOverride = "--conf"
	// SourceSet is the source of a value given to Config.Set.
	SourceSet = "Set"
)

// Config is a loaded configuration. It is safe for concurrent use.
type Config struct {
	mu sync.RWMutex
	// reg holds the known keys.
	reg *registry
	// entries holds every set key's raw value and where it came from.
	entries map[string]entry
	// unknown holds a warning for each set key Spindle does not know.
	unknown map[string]string
	// lookupEnv resolves ${env.NAME}.
	lookupEnv func(string) (string, bool)
	// userName resolves ${user.name}; empty leaves it as written.
	userName string
	// search is where the files were looked for.
	search Search
	// files are the files read, in order.
	files []ConfFile
	// quiet holds the paths of files whose unknown keys are not warned
	// about: Hadoop's files, found outside Spindle's directory.
	quiet map[string]bool
	// notices are warnings about where configuration was looked for.
	notices []string
}

// entry is a raw, unexpanded value and where it was set.
type entry struct {
	value  string
	source string
	// line is the line of a file source; 0 otherwise.
	line int
}

// where describes the source for messages.
func (e entry) where() string {
	if e.line > 0 {
		return fmt.Sprintf("%s line %d", e.source, e.line)
	}
	return e.source
}

// apply sets key from source, rejecting unknown keys under "spindle." and
// noting other unknown keys. The caller holds c.mu or owns c.
func (c *Config) apply(key, value, source string, line int) error {
	e := entry{value: value, source: source, line: line}
	if _, known := c.reg.lookup(key); !known {
		closest, dist := c.reg.closest(key)
		if app, ok := LookupAppKey(key); ok && app.Ignored == "" {
			// An application's key in a daemon's configuration does
			// nothing there; it is not a typo, so it is not refused.
			if !c.quiet[source] {
				c.unknown[key] = fmt.Sprintf("%s (from %s) is an application key: set it with `spindle submit --conf` or in spindle-defaults.conf; the daemons ignore it", key, e.where())
			}
			c.entries[key] = e
			return nil
		}
		if strings.HasPrefix(key, "spindle.") {
			return newError(ErrUnknownKey, "conf: unknown key %s (from %s); did you mean %s?", key, e.where(), closest)
		}
		if c.quiet[source] {
			c.entries[key] = e
			return nil
		}
		msg := fmt.Sprintf("%s (from %s) is not used by Spindle", key, e.where())
		if closest != "" && dist <= maxWarningSuggestion {
			msg += "; did you mean " + closest + "?"
		}
		c.unknown[key] = msg
	}
	c.entries[key] = e
	return nil
}

// expand expands key's raw value. The caller holds c.mu.
func (c *Config) expand(key, value string) (expansion, error) {
	x := &expander{
		lookup: func(k string) (string, bool) {
			e, ok := c.entries[k]
			return e.value, ok
		},
		lookupEnv: c.lookupEnv,
		userName:  c.userName,
	}
	return x.expandKey(key, value)
}

// sortedKeys returns the set keys in order. The caller holds c.mu.
func (c *Config) sortedKeys() []string {
	keys := make([]string, 0, len(c.entries))
	for k := range c.entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// validate expands and type-checks the set keys: all of them when only is
// empty, else only and the keys whose values use it. The caller holds c.mu.
func (c *Config) validate(only string) []error {
	var errs []error
	for _, k := range c.sortedKeys() {
		e := c.entries[k]
		exp, err := c.expand(k, e.value)
		if only != "" && k != only && (err != nil || !slices.Contains(exp.refs, only)) {
			continue
		}
		if err != nil {
			errs = append(errs, c.expansionError(k, e, exp, err))
			continue
		}
		if known, ok := c.reg.lookup(k); ok {
			if err := checkValue(known, exp.value); err != nil {
				errs = append(errs, c.valueError(k, e, exp, err))
			}
		}
	}
	return errs
}

// valueError describes a value that does not fit its key's type, naming
// the keys it was expanded with and where they were set.
func (c *Config) valueError(key string, e entry, exp expansion, err error) error {
	var b strings.Builder
	fmt.Fprintf(&b, "conf: %s (from %s)", key, e.where())
	if exp.value != e.value {
		fmt.Fprintf(&b, " = %q", e.value)
		c.writeUses(&b, exp.refs)
	}
	if len(exp.unresolved) > 0 {
		fmt.Fprintf(&b, " with %s not set", references(exp.unresolved))
	}
	return newError(ErrInvalidValue, "%s: %w", b.String(), err)
}

// expansionError describes a value whose references cannot be expanded,
// naming the keys reached and where they were set, since the fault may lie
// with any of them.
func (c *Config) expansionError(key string, e entry, exp expansion, err error) error {
	var b strings.Builder
	fmt.Fprintf(&b, "conf: cannot expand %s (from %s)", key, e.where())
	c.writeUses(&b, exp.refs)
	return fmt.Errorf("%s: %w", b.String(), err)
}

// writeUses appends " using k (from source), ..." for refs.
func (c *Config) writeUses(b *strings.Builder, refs []string) {
	if len(refs) == 0 {
		return
	}
	uses := make([]string, len(refs))
	for i, r := range refs {
		uses[i] = fmt.Sprintf("%s (from %s)", r, c.entries[r].where())
	}
	fmt.Fprintf(b, " using %s", strings.Join(uses, ", "))
}

// references writes names as ${a}, ${b}.
func references(names []string) string {
	refs := make([]string, len(names))
	for i, n := range names {
		refs[i] = "${" + n + "}"
	}
	return strings.Join(refs, ", ")
}

// Get returns key's value with ${...} references expanded, or "" when key
// is not set. References to unset keys and environment variables are left
// as written, as in Hadoop. Load and Set reject values that cannot be
// expanded; should one remain, Get returns it unexpanded.
func (c *Config) Get(key string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.entries[key]
	if !ok {
		return ""
	}
	exp, err := c.expand(key, e.value)
	if err != nil {
		return e.value
	}
	return exp.value
}

// Set sets key to value, as a --conf override would, and checks it: an
// unknown key under "spindle.", a value that does not fit the key's type,
// a ${...} cycle, or a change that makes a value using key invalid is an
// error, and leaves the Config unchanged.
func (c *Config) Set(key, value string) error {
	if err := checkKeyName(key); err != nil {
		return newError(ErrSyntax, "conf: Set: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old, hadOld := c.entries[key]
	oldWarning, hadWarning := c.unknown[key]
	if err := c.apply(key, value, SourceSet, 0); err != nil {
		return err
	}
	if errs := c.validate(key); len(errs) > 0 {
		if hadOld {
			c.entries[key] = old
		} else {
			delete(c.entries, key)
		}
		if hadWarning {
			c.unknown[key] = oldWarning
		} else {
			delete(c.unknown, key)
		}
		return errors.Join(errs...)
	}
	return nil
}

// typed returns key's expanded value for a typed accessor.
func (c *Config) typed(key string) (string, entry, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.entries[key]
	if !ok {
		return "", entry{}, newError(ErrNotSet, "conf: %s is not set", key)
	}
	exp, err := c.expand(key, e.value)
	if err != nil {
		return "", e, c.expansionError(key, e, exp, err)
	}
	return exp.value, e, nil
}

// accessError names the key and source of a value a typed accessor could
// not parse.
func accessError(key string, e entry, err error) error {
	return newError(ErrInvalidValue, "conf: %s (from %s): %w", key, e.where(), err)
}

// Int returns key's value as a whole number.
func (c *Config) Int(key string) (int64, error) {
	v, e, err := c.typed(key)
	if err != nil {
		return 0, err
	}
	n, err := parseInt(v)
	if err != nil {
		return 0, accessError(key, e, err)
	}
	return n, nil
}

// Bool returns key's value as a boolean: true or false, in any case.
func (c *Config) Bool(key string) (bool, error) {
	v, e, err := c.typed(key)
	if err != nil {
		return false, err
	}
	b, err := parseBool(v)
	if err != nil {
		return false, accessError(key, e, err)
	}
	return b, nil
}

// SizeBytes returns key's value as a size in bytes (see ParseSize). A bare
// number is in the key's unit, or bytes for keys not of TypeSize; -1 is
// returned as -1.
func (c *Config) SizeBytes(key string) (int64, error) {
	v, e, err := c.typed(key)
	if err != nil {
		return 0, err
	}
	unit := "b"
	if k, ok := c.reg.lookup(key); ok && k.Type == TypeSize {
		unit = k.Unit
	}
	n, err := ParseSize(v, unit)
	if err != nil {
		return 0, accessError(key, e, err)
	}
	return n, nil
}

// SizeMB returns key's value as a size in MiB, rounded down, as Spark's
// getSizeAsMb does; -1 is returned as -1.
func (c *Config) SizeMB(key string) (int64, error) {
	n, err := c.SizeBytes(key)
	if err != nil || n == -1 {
		return n, err
	}
	return n >> 20, nil
}

// Duration returns key's value as a duration (see ParseDuration). A bare
// number is in the key's unit, or milliseconds for keys not of
// TypeDuration.
func (c *Config) Duration(key string) (time.Duration, error) {
	v, e, err := c.typed(key)
	if err != nil {
		return 0, err
	}
	unit := time.Millisecond
	if k, ok := c.reg.lookup(key); ok && k.Type == TypeDuration {
		unit = k.durationUnit()
	}
	d, err := ParseDuration(v, unit)
	if err != nil {
		return 0, accessError(key, e, err)
	}
	return d, nil
}

// Strings returns key's value as a comma-separated list, with entries
// trimmed and empty ones dropped; nil when the key is unset or empty.
func (c *Config) Strings(key string) []string {
	return SplitList(c.Get(key))
}

// Source returns where key's value was set: SourceDefault, the path of a
// configuration file, SourceOverride or SourceSet; "" when key is not set.
func (c *Config) Source(key string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.entries[key].source
}

// Configured reports whether key was set by a file or an override rather
// than left at its built-in default (or not set at all).
func (c *Config) Configured(key string) bool {
	src := c.Source(key)
	return src != "" && src != SourceDefault
}

// Files returns the configuration files read, in the order they were
// applied.
func (c *Config) Files() []ConfFile {
	return slices.Clone(c.files)
}

// Search returns where the configuration files were looked for.
func (c *Config) Search() Search {
	return c.search
}

// Keys returns every set key, known or not, sorted.
func (c *Config) Keys() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.sortedKeys()
}

// Warnings returns, sorted, one message for each set key that Spindle does
// not use (with the closest known key when one is near) and for each value
// with ${...} references to unset keys or environment variables, which are
// left as written.
func (c *Config) Warnings() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := slices.Clone(c.notices)
	for _, w := range c.unknown {
		out = append(out, w)
	}
	for _, k := range c.sortedKeys() {
		e := c.entries[k]
		if exp, err := c.expand(k, e.value); err == nil && len(exp.unresolved) > 0 {
			verb := "is"
			if len(exp.unresolved) > 1 {
				verb = "are"
			}
			out = append(out, fmt.Sprintf("%s (from %s) uses %s, which %s not set and left as written",
				k, e.where(), references(exp.unresolved), verb))
		}
	}
	sort.Strings(out)
	return out
}
