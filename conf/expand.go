package conf

import (
	"slices"
	"strings"
)

const (
	// maxExpansionDepth bounds how deeply ${...} references may nest, as
	// Hadoop's Configuration does with the same limit.
	maxExpansionDepth = 20
	// maxExpandedLen bounds an expanded value, so that values referring to
	// each other several times cannot grow without limit.
	maxExpandedLen = 1 << 20
)

// expansion is the result of expanding one key's value.
type expansion struct {
	// value is the expanded value.
	value string
	// refs are the keys the value used, directly or not, in order of first
	// use.
	refs []string
	// unresolved are the references left as written because the key or
	// environment variable is not set, in order of first use.
	unresolved []string
}

// expander expands the ${...} references of one value. It is used once.
type expander struct {
	lookup    func(key string) (string, bool)
	lookupEnv func(name string) (string, bool)
	userName  string
	// memo holds the keys already expanded, with the depth of references
	// below them, so that a key used many times is expanded once.
	memo map[string]memoEntry
	exp  expansion
}

type memoEntry struct {
	value  string
	height int
}

// expandKey expands the value of key, which holds value.
func (x *expander) expandKey(key, value string) (expansion, error) {
	x.memo = map[string]memoEntry{}
	v, _, err := x.expand(value, []string{key})
	x.exp.value = v
	return x.exp, err
}

// expand replaces the references in value. chain is the keys being
// expanded, outermost first; height is the depth of references used.
func (x *expander) expand(value string, chain []string) (string, int, error) {
	var b strings.Builder
	height := 0
	for {
		i := strings.Index(value, "${")
		if i < 0 {
			b.WriteString(value)
			break
		}
		// As in Hadoop, a name runs to the next "}" and holds no "$" or
		// space; anything else is left as text.
		j := i + 2
		for j < len(value) && value[j] != '}' && value[j] != '$' && value[j] != ' ' {
			j++
		}
		if j == i+2 || j >= len(value) || value[j] != '}' {
			b.WriteString(value[:i+2])
			value = value[i+2:]
			continue
		}
		b.WriteString(value[:i])
		name := value[i+2 : j]
		rep, h, ok, err := x.resolve(name, chain)
		if err != nil {
			return "", 0, err
		}
		if ok {
			b.WriteString(rep)
			height = max(height, h)
		} else {
			b.WriteString(value[i : j+1])
			if !slices.Contains(x.exp.unresolved, name) {
				x.exp.unresolved = append(x.exp.unresolved, name)
			}
		}
		if b.Len() > maxExpandedLen {
			return "", 0, newError(ErrExpansion, "the expanded value grows past %d bytes", maxExpandedLen)
		}
		value = value[j+1:]
	}
	return b.String(), height, nil
}

// resolve returns the replacement of ${name}, with ok false when nothing
// is known by that name.
func (x *expander) resolve(name string, chain []string) (rep string, height int, ok bool, err error) {
	if name == "user.name" {
		return x.userName, 0, x.userName != "", nil
	}
	if env, found := strings.CutPrefix(name, "env."); found {
		rep, ok = x.resolveEnv(env)
		return rep, 0, ok, nil
	}
	raw, found := x.lookup(name)
	if !found {
		return "", 0, false, nil
	}
	if slices.Contains(chain, name) {
		return "", 0, false, newError(ErrExpansion, "${...} references form a cycle: %s",
			strings.Join(append(slices.Clone(chain), name), " → "))
	}
	if !slices.Contains(x.exp.refs, name) {
		x.exp.refs = append(x.exp.refs, name)
	}
	m, done := x.memo[name]
	if !done {
		if len(chain) > maxExpansionDepth {
			return "", 0, false, x.depthError(chain, name)
		}
		v, h, err := x.expand(raw, append(slices.Clone(chain), name))
		if err != nil {
			return "", 0, false, err
		}
		m = memoEntry{value: v, height: h + 1}
		x.memo[name] = m
	}
	if len(chain)+m.height > maxExpansionDepth+1 {
		return "", 0, false, x.depthError(chain, name)
	}
	return m.value, m.height, true, nil
}

// resolveEnv looks up NAME, NAME:-fallback (fallback when unset or empty)
// or NAME-fallback (fallback when unset), as Hadoop's ${env.…} does.
func (x *expander) resolveEnv(spec string) (string, bool) {
	if name, fallback, found := strings.Cut(spec, ":-"); found {
		if v, ok := x.lookupEnv(name); ok && v != "" {
			return v, true
		}
		return fallback, true
	}
	if name, fallback, found := strings.Cut(spec, "-"); found {
		if v, ok := x.lookupEnv(name); ok {
			return v, true
		}
		return fallback, true
	}
	return x.lookupEnv(spec)
}

func (x *expander) depthError(chain []string, name string) error {
	return newError(ErrExpansion, "${...} references nest more than %d deep: %s → …",
		maxExpansionDepth, strings.Join(append(slices.Clone(chain), name), " → "))
}
