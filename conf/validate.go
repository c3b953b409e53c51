package conf

import (
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// checkValue reports whether the expanded value v fits k: its type, its
// allowed values, its minimum and its own check. The error shows v and
// what would be valid, but not the key, which callers add.
func checkValue(k *Key, v string) error {
	// An application key's empty value is checked as any other: its Check
	// says whether empty means something.
	if v == "" && k.Scope != ScopeApplication && allowsEmpty(k) {
		return nil
	}
	typed, err := parseTyped(k, v)
	if err != nil {
		return err
	}
	if len(k.Values) > 0 && !k.allows(strings.TrimSpace(v)) {
		anyCase := ""
		if k.FoldCase {
			anyCase = " (in any case)"
		}
		return fmt.Errorf("%q is not allowed: use one of %s%s", v, strings.Join(k.Values, ", "), anyCase)
	}
	if k.Min != "" {
		min, _ := parseTyped(k, k.Min)
		if less(typed, min) {
			return fmt.Errorf("%q is too small: use at least %s%s", v, k.Min, bareUnit(k))
		}
	}
	if k.Check != nil {
		return k.Check(v)
	}
	return nil
}

// allows reports whether v is one of k.Values.
func (k *Key) allows(v string) bool {
	return slices.ContainsFunc(k.Values, func(a string) bool {
		return a == v || k.FoldCase && strings.EqualFold(a, v)
	})
}

// parseTyped parses v as k's type: an int64 for int, size (bytes) and
// duration (as time.Duration), a float64 for float and percent, a bool,
// a []string for a list and the trimmed text for string and address.
func parseTyped(k *Key, v string) (any, error) {
	switch k.Type {
	case TypeInt:
		return parseInt(v)
	case TypeBool:
		return parseBool(v)
	case TypeSize:
		return ParseSize(v, k.Unit)
	case TypeDuration:
		return ParseDuration(v, k.durationUnit())
	case TypeAddress:
		return strings.TrimSpace(v), checkAddress(v)
	case TypePercent:
		return parsePercent(v)
	case TypeFloat:
		return parseFloat(v)
	case TypeList:
		return SplitList(v), nil
	}
	return v, nil
}

// less compares two values parseTyped gave for one key.
func less(a, b any) bool {
	switch a := a.(type) {
	case int64:
		return a < b.(int64)
	case time.Duration:
		return a < b.(time.Duration)
	case float64:
		return a < b.(float64)
	}
	return false
}

// bareUnit says, for messages, what a bare number means for k.
func bareUnit(k *Key) string {
	switch k.Type {
	case TypeSize:
		return "; a bare number means " + sizeUnitNames[sizeUnits[k.Unit]]
	case TypeDuration:
		return "; a bare number means " + durationUnitName(k.durationUnit())
	}
	return ""
}

// allowsEmpty reports whether an empty value is valid for k: free text and
// lists always, other types only when the key's default is empty, which
// means the description gives "empty" a meaning.
func allowsEmpty(k *Key) bool {
	switch {
	case k.Type == TypeList, k.Type == TypeString && len(k.Values) == 0:
		return true
	}
	return !k.IsFamily() && k.Default == ""
}

// parseInt parses a whole number.
func parseInt(v string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number: use digits with an optional minus sign (e.g. 4, -1)", v)
	}
	return n, nil
}

// parseBool parses true or false, in any case, as Hadoop does.
func parseBool(v string) (bool, error) {
	switch asciiLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean: use true or false", v)
}

// parsePercent parses a number from 0 to 100.
func parsePercent(v string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 100 {
		return 0, fmt.Errorf("%q is not a percentage: use a number from 0 to 100 (e.g. 50, 12.5)", v)
	}
	return f, nil
}

// parseFloat parses a finite decimal number.
func parseFloat(v string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a number: use a decimal number (e.g. 0.1, 2, 1.5)", v)
	}
	return f, nil
}

// checkAddress checks host:port with a non-empty host and a port from 0 to
// 65535.
func checkAddress(v string) error {
	host, port, err := net.SplitHostPort(strings.TrimSpace(v))
	if err == nil && (host == "" || strings.IndexFunc(host, unicode.IsSpace) >= 0 || strings.ContainsAny(host, "/$")) {
		err = fmt.Errorf("bad host")
	}
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		return fmt.Errorf("%q is not an address: use host:port (e.g. 0.0.0.0:8032, rm.example.com:8032, [::1]:8032); port 0 lets the operating system choose", v)
	}
	return nil
}

// SplitList splits a comma-separated list, trimming entries and dropping
// empty ones, as Hadoop and Spark do.
func SplitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
