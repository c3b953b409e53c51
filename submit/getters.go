package submit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Get returns key's value: from Conf, else from the key's older name (see
// KeyDoc.Alias), else the key's fixed default in Keys. ok is false when the
// key is unset and has no fixed default, as for a default that is a rule.
func (o *Options) Get(key string) (value string, ok bool) {
	if v, ok := o.Conf[key]; ok {
		return v, true
	}
	if k := keysByName[key]; k != nil {
		if k.Alias != "" {
			if v, ok := o.Conf[k.Alias]; ok {
				return v, true
			}
		}
		if k.Value != "" {
			return k.Value, true
		}
	}
	return "", false
}

// Duration returns key's value, as Get finds it, as a duration such as
// "500ms", "30s" or "5min"; a bare number is milliseconds, as for Spark's
// time keys. ok is false when there is no value. Errors wrap
// ErrInvalidValue and name the key and the value.
func (o *Options) Duration(key string) (time.Duration, bool, error) {
	v, ok := o.Get(key)
	if !ok {
		return 0, false, nil
	}
	d, err := parseDuration(v, true)
	if err != nil {
		return 0, true, invalid(printable(key), err)
	}
	return d, true, nil
}

// Int returns key's value, as Get finds it, as a whole number. ok is false
// when there is no value. Errors wrap ErrInvalidValue and name the key and
// the value.
func (o *Options) Int(key string) (int64, bool, error) {
	v, ok := o.Get(key)
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, true, invalid(printable(key), fmt.Errorf("%q is not a whole number (e.g. 4)", v))
	}
	return n, true, nil
}

// Bool returns key's value, as Get finds it, as true or false, in any
// case. ok is false when there is no value. Errors wrap ErrInvalidValue and
// name the key and the value.
func (o *Options) Bool(key string) (bool, bool, error) {
	v, ok := o.Get(key)
	if !ok {
		return false, false, nil
	}
	b, err := parseBool(v)
	if err != nil {
		return false, true, invalid(printable(key), err)
	}
	return b, true, nil
}
