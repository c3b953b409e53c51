package conf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AppConf is an application's configuration as `spindle submit` checked
// it: every application key that was set, parsed once into its type. It
// travels to the ApplicationMaster and the executors in the launch spec,
// as JSON with each value in its type (numbers, booleans, lists; sizes in
// bytes and durations in nanoseconds), so that they read typed values
// and parse no configuration strings. A getter returns the key's default
// when the key is not set. The zero AppConf has nothing set.
//
// The getters are for keys of the registry (AppKeys) of the getter's
// type; asking for another key or type is a programming error and panics.
type AppConf struct {
	// values maps a key, or a family member, to its parsed value.
	values map[string]any
	// viaAlternative marks keys set through an older name, which their own
	// name overrides.
	viaAlternative map[string]bool
}

// Set checks v as the value of the application key name (see
// CheckAppValue) and keeps it parsed. An older name sets its key, unless
// the key was set by its own name. Errors wrap ErrUnknownKey or
// ErrInvalidValue and show the value and what is accepted, but not the
// key, which the caller names with where it was set.
func (a *AppConf) Set(name, v string) error {
	k, ok := mustAppRegistry().lookup(name)
	if !ok {
		return newError(ErrUnknownKey, "not a Spindle application key")
	}
	if k.Ignored != "" {
		return nil
	}
	if err := checkValue(k, v); err != nil {
		return newError(ErrInvalidValue, "%w", err)
	}
	typed, _ := parseTyped(k, v)
	stored, viaAlt := name, false
	if !k.IsFamily() {
		stored, viaAlt = k.Name, name != k.Name
	}
	if viaAlt && a.IsSet(stored) && !a.viaAlternative[stored] {
		return nil
	}
	if a.values == nil {
		a.values, a.viaAlternative = map[string]any{}, map[string]bool{}
	}
	a.values[stored], a.viaAlternative[stored] = typed, viaAlt
	return nil
}

// AppConfFrom checks and parses the application keys among keys, as
// `spindle submit` does, and skips the others (the job's own spark.*
// keys, daemon keys, ignored keys). An error names the key and its value.
// It reads the configuration of a launch spec written before specs
// carried their settings, and serves tests.
func AppConfFrom(keys map[string]string) (AppConf, error) {
	var a AppConf
	for _, name := range slices.Sorted(maps.Keys(keys)) {
		if _, ok := mustAppRegistry().lookup(name); !ok {
			continue
		}
		if err := a.Set(name, keys[name]); err != nil {
			return AppConf{}, fmt.Errorf("conf: %s: %w", name, err)
		}
	}
	return a, nil
}

// IsSet reports whether the key name was set, by its own name or an older
// one.
func (a AppConf) IsSet(name string) bool {
	_, ok := a.values[name]
	return ok
}

// Keys returns the keys set, sorted.
func (a AppConf) Keys() []string {
	return slices.Sorted(maps.Keys(a.values))
}

// get returns name's value, or its parsed default, checking that name is
// a key of type typ.
func (a AppConf) get(name string, types ...string) any {
	k, ok := mustAppRegistry().lookup(name)
	if !ok || k.IsFamily() || k.Name != name || !slices.Contains(types, k.Type) {
		panic(fmt.Sprintf("conf: %s is not an application key of type %s", name, strings.Join(types, " or ")))
	}
	if v, ok := a.values[name]; ok {
		return v
	}
	if k.Default == "" {
		return nil
	}
	v, err := parseTyped(k, k.Default)
	if err != nil {
		panic(fmt.Sprintf("conf: default of %s: %v", name, err))
	}
	return v
}

// Int returns an int key's value; 0 when it has no value.
func (a AppConf) Int(name string) int64 {
	v, _ := a.get(name, TypeInt).(int64)
	return v
}

// Float returns a float or percent key's value; 0 when it has no value.
func (a AppConf) Float(name string) float64 {
	v, _ := a.get(name, TypeFloat, TypePercent).(float64)
	return v
}

// Bool returns a bool key's value; false when it has no value.
func (a AppConf) Bool(name string) bool {
	v, _ := a.get(name, TypeBool).(bool)
	return v
}

// Bytes returns a size key's value in bytes; 0 when it has no value.
func (a AppConf) Bytes(name string) int64 {
	v, _ := a.get(name, TypeSize).(int64)
	return v
}

// MB returns a size key's value in MiB, rounded down as Spark's
// getSizeAsMb does; 0 when it has no value.
func (a AppConf) MB(name string) int64 {
	return a.Bytes(name) >> 20
}

// Duration returns a duration key's value; 0 when it has no value.
func (a AppConf) Duration(name string) time.Duration {
	v, _ := a.get(name, TypeDuration).(time.Duration)
	return v
}

// String returns a string or address key's value, trimmed for an
// address; "" when it has no value.
func (a AppConf) String(name string) string {
	v, _ := a.get(name, TypeString, TypeAddress).(string)
	return v
}

// List returns a list key's entries, trimmed, without empty ones; nil
// when it has no value.
func (a AppConf) List(name string) []string {
	v, _ := a.get(name, TypeList).([]string)
	return slices.Clone(v)
}

// Family returns the members of a family such as spark.executorEnv.*
// that were set, by the part of their name the "*" stands for:
// spark.executorEnv.TZ=UTC gives {"TZ": "UTC"}.
func (a AppConf) Family(family string) map[string]string {
	prefix, ok := strings.CutSuffix(family, "*")
	if !ok {
		panic(fmt.Sprintf("conf: %s is not a family", family))
	}
	out := map[string]string{}
	for name, v := range a.values {
		if rest, ok := strings.CutPrefix(name, prefix); ok && rest != "" {
			if s, ok := v.(string); ok {
				out[rest] = s
			}
		}
	}
	return out
}

// jsonValue is how a parsed value is written in the launch spec.
func jsonValue(v any) any {
	if d, ok := v.(time.Duration); ok {
		return int64(d)
	}
	return v
}

// MarshalJSON writes each key set with its value in its type.
func (a AppConf) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(a.values))
	for k, v := range a.values {
		out[k] = jsonValue(v)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON wrote and checks every value
// against its key, as Set does: a key Spindle does not know, a value of
// the wrong type or one its key does not accept is an error naming the
// key.
func (a *AppConf) UnmarshalJSON(raw []byte) error {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(raw, &in); err != nil {
		return err
	}
	out := AppConf{}
	for _, name := range slices.Sorted(maps.Keys(in)) {
		k, ok := mustAppRegistry().lookup(name)
		if !ok || k.Ignored != "" || (!k.IsFamily() && k.Name != name) {
			return newError(ErrUnknownKey, "conf: %s is not an application key this spindle knows", name)
		}
		text, err := decodeText(k, in[name])
		if err != nil {
			return newError(ErrInvalidValue, "conf: %s: %s is not a %s value", name, in[name], k.Type)
		}
		if err := out.Set(name, text); err != nil {
			return fmt.Errorf("conf: %s: %w", name, err)
		}
	}
	*a = out
	return nil
}

// decodeText decodes a value MarshalJSON wrote and gives it back in the
// text form Set reads, so that one check serves both.
func decodeText(k *Key, raw json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	switch k.Type {
	case TypeInt, TypeSize:
		n, ok := v.(json.Number)
		if !ok {
			return "", fmt.Errorf("not a number")
		}
		i, err := n.Int64()
		if err != nil {
			return "", err
		}
		if k.Type == TypeSize {
			return strconv.FormatInt(i, 10) + "b", nil
		}
		return strconv.FormatInt(i, 10), nil
	case TypeDuration:
		n, ok := v.(json.Number)
		if !ok {
			return "", fmt.Errorf("not a number")
		}
		i, err := n.Int64()
		if err != nil || i < 0 {
			return "", fmt.Errorf("not a duration")
		}
		return time.Duration(i).String(), nil
	case TypeFloat, TypePercent:
		n, ok := v.(json.Number)
		if !ok {
			return "", fmt.Errorf("not a number")
		}
		return n.String(), nil
	case TypeBool:
		b, ok := v.(bool)
		if !ok {
			return "", fmt.Errorf("not a boolean")
		}
		return strconv.FormatBool(b), nil
	case TypeList:
		if v == nil {
			return "", nil
		}
		list, ok := v.([]any)
		if !ok {
			return "", fmt.Errorf("not a list")
		}
		parts := make([]string, len(list))
		for i, e := range list {
			s, ok := e.(string)
			if !ok || strings.Contains(s, ",") {
				return "", fmt.Errorf("not a list of strings")
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("not a string")
	}
	return s, nil
}
